"""What every definition viewset shares: the policy's rows, its permission class, service writes.

Querysets are the rows the permission policy lets the user view (another company's id is a
404), permissions are asked of the policy (`api.permissions`), and writes go through the
model's services (`writes.writes_for`: the same rules as the admin). Refusals rise as they come
and are answered by the one exception handler (`ticketflower.api_errors`): a published
definition answers 409 to any change.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.paginator import InvalidPage
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import pagination, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from users.apis import API_AUTHENTICATION, API_PARSERS
from workflow_design.api.permissions import PolicyPermission
from workflow_design.fast.api_filters import DefinitionFilterBackend
from workflow_design.fast.api_page_count import PipelinedCountPaginator
from workflow_design.policy import Action, DefinitionPolicy
from workflow_design.services.editability import holder_of
from workflow_design.writes import ModelWrites, writes_for


class DefinitionPagination(pagination.PageNumberPagination):
    """Pages of 100 rows and their count; on PostgreSQL the count is counted while the page is
    written (`fast.api_page_count`), so the view closes the pagination when it has answered.

    The count is not a window count on the page: `COUNT(*) OVER ()` makes the database produce
    every visible row before it can return the first, where the page alone walks its list's
    index and stops after its hundred rows (`access.definitions_for`). The view's `page_rows`,
    when it has one, adds what only the rows shown need: joined into the count, it made
    SQLite's count of a company's transitions take twice as long.
    """

    django_paginator: PipelinedCountPaginator | None = None

    def paginate_queryset(self, queryset, request, view=None):
        # DRF's, less its test of the page count for the browsable API's page links
        # (`display_page_controls`, read when that page is drawn): it would wait for the count.
        self.request = request
        page_size = self.get_page_size(request)
        if not page_size:
            return None
        paginator = self.django_paginator = PipelinedCountPaginator(
            queryset, page_size, page_rows=getattr(view, "page_rows", None)
        )
        page_number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage as exc:
            raise NotFound(self.invalid_page_message.format(page_number=page_number, message=str(exc))) from exc
        return list(self.page)

    @property
    def display_page_controls(self) -> bool:
        page = getattr(self, "page", None)
        return bool(page is not None and self.template is not None and page.paginator.num_pages > 1)

    def close(self) -> None:
        if self.django_paginator is not None:
            self.django_paginator.close()


class WritesInOneTransaction:
    """A request that may write is one transaction, as `ATOMIC_REQUESTS` makes every other
    view's; a read (GET, HEAD, OPTIONS) runs without one.

    A read gains nothing from the transaction: under PostgreSQL's READ COMMITTED each statement
    reads its own snapshot inside one too, and a read writes nothing to roll back. It only cost
    the BEGIN and COMMIT round trips, a tenth of a nested list's time (docs/performance.md).
    """

    @classmethod
    def as_view(cls, *args, **kwargs):
        return transaction.non_atomic_requests(super().as_view(*args, **kwargs))

    def dispatch(self, request, *args, **kwargs):
        if request.method in SAFE_METHODS and not transaction.get_connection().in_atomic_block:
            return super().dispatch(request, *args, **kwargs)
        # DRF's exception handler marks the innermost atomic block for rollback when it answers
        # an error: a write's own, and a read's savepoint inside a caller's transaction (a
        # test's, a command's), which must not be the caller's.
        with transaction.atomic():
            return super().dispatch(request, *args, **kwargs)


class DefinitionViewSet(WritesInOneTransaction, viewsets.ModelViewSet):
    """Common behaviour: the policy's rows and permissions, service writes."""

    authentication_classes = API_AUTHENTICATION
    permission_classes = [PolicyPermission]
    parser_classes = API_PARSERS
    filter_backends = [DefinitionFilterBackend]
    pagination_class = DefinitionPagination
    lookup_value_regex = r"[0-9]+"
    policy: DefinitionPolicy
    # The policy action each view action needs (`PolicyPermission`).
    policy_actions: dict[str, Action | None] = {
        "list": Action.VIEW,
        "retrieve": Action.VIEW,
        "create": Action.ADD,
        "update": Action.CHANGE,
        "partial_update": Action.CHANGE,
        "destroy": Action.DELETE,
    }
    # The input of `create` when it differs from the other actions' (e.g. a superuser's company).
    create_serializer_class = None

    def get_queryset(self):
        return self.policy.instances_user_has_permission_for(self.request.user, Action.VIEW, **self.row_scope())

    def row_scope(self) -> dict:
        """What narrows the view's rows beyond the policy's (a nested list's workflow)."""
        return {}

    def list(self, request, *args, **kwargs):
        try:
            return super().list(request, *args, **kwargs)
        finally:
            self.paginator.close()  # the count's pipeline ends here, whatever happened

    def get_serializer_class(self):
        # The browsable API draws the list page's POST form as action "list" with method POST.
        creating = self.action == "create" or (self.action == "list" and self.request.method == "POST")
        if creating and self.create_serializer_class is not None:
            return self.create_serializer_class
        return super().get_serializer_class()

    def company_for_new(self, data):
        """The company of a new workflow or ticket definition, as the policy decides it.

        A superuser names it (`company`, checked by the serializer against every company);
        anyone else gets their own, whatever they sent.
        """
        return self.policy.company_for_new(self.request.user, data.pop("company", None))

    @property
    def writes(self) -> ModelWrites:
        return writes_for(self.policy.model)

    def create_via_service(self, data):
        """A workflow or ticket definition, in the company the policy decides; the revision a
        client sends means nothing for a new row."""
        company = self.company_for_new(data)
        data.pop("expected_revision", None)
        return self.writes.create(user=self.request.user, company=company, **data)

    def update_via_service(self, instance, data):
        return self.writes.update(
            instance, user=self.request.user, expected_revision=self.expected_revision(data), **data
        )

    def delete_via_service(self, instance):
        self.writes.delete(instance, user=self.request.user, expected_revision=self.expected_revision({}))

    def perform_create(self, serializer):
        serializer.instance = self.create_via_service(dict(serializer.validated_data))

    def perform_update(self, serializer):
        serializer.instance = self.update_via_service(serializer.instance, dict(serializer.validated_data))

    def perform_destroy(self, instance):
        self.delete_via_service(instance)

    # A row's answer carries its revision as the ETag (a part's is its workflow's), so that a
    # client can send it back as `If-Match` with its change.
    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        return with_etag(Response(self.get_serializer(instance).data), instance)

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        return with_etag(response, response.data.serializer.instance)

    def expected_revision(self, data) -> int | None:
        """The revision the client last read: the body's `expected_revision` (or the `revision`
        of a row sent back as it was read), else `If-Match`. Without one, the services still
        write under a row lock on fresh data, so concurrent changes of other fields survive."""
        value = data.pop("expected_revision", None)
        if value is not None:
            return value
        sent = self.request.data.get("revision") if isinstance(self.request.data, Mapping) else None
        if sent is not None:
            return _revision_number(sent, "revision")
        header = self.request.headers.get("If-Match", "").strip()
        header = header.removeprefix("W/").strip('"')
        if not header or header == "*":
            return None
        return _revision_number(header, "If-Match")


def _revision_number(value, name: str) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or len(text) > 10:
        raise serializers.ValidationError({name: [_("Send the revision you last read.")]})
    return int(text)


def with_etag(response: Response, instance) -> Response:
    revision = getattr(holder_of(instance), "revision", None)
    if revision is not None and response.status_code == 200:
        response["ETag"] = f'"{revision}"'
    return response
