"""The workflow design REST API: workflows, tasks, transitions and ticket definitions.

Querysets come from `workflow_design.access` only (another company's id is a 404), writes go
through `workflow_design.services` (the same rules as the admin), and only workflow creators
may write. Published definitions answer 409 to any change.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, pagination, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from users.apis import (
    API_AUTHENTICATION,
    API_PARSERS,
    ERROR_400,
    ERROR_401,
    ERROR_403,
    ERROR_404,
    ERROR_409,
    drf_errors,
    error_codes,
)
from workflow_design import access, services
from workflow_design.api.serializers import (
    BundleImportQuerySerializer,
    BundleImportResultSerializer,
    BundleUploadSerializer,
    LintReportSerializer,
    NestedTaskSerializer,
    NestedTransitionSerializer,
    TaskSerializer,
    TicketCreateSerializer,
    TicketSerializer,
    TransitionSerializer,
    WorkflowCreateSerializer,
    WorkflowSerializer,
)
from workflow_design.models import (
    DefinitionStatus,
    TaskDefinition,
    TicketDefinition,
    WorkflowDefinition,
    WorkflowTransition,
)

# Refusals that mean "the definition is not in a state that allows this": 409 Conflict.
CONFLICT_CODES = {"read_only", "not_draft", "not_published", "draft_exists", "stale"}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The definition is read-only; create a new version to change it.")
    default_code = "conflict"


def raise_api_error(exc: DjangoValidationError):
    """A service's refusal as DRF's field → messages JSON: 409 for state conflicts, else 400."""
    if error_codes(exc) & CONFLICT_CODES:
        raise Conflict(drf_errors(exc))
    if "missing" in error_codes(exc):
        raise exceptions.NotFound()
    raise serializers.ValidationError(drf_errors(exc))


class CreatorWritePermission(permissions.BasePermission):
    """Anyone logged in reads (what the access layer shows them); only workflow creators write."""

    message = _("Only workflow creators may change definitions.")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return access.can_design_via_api(user)


class IdFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class DefinitionFilterBackend(filters.DjangoFilterBackend):
    """django-filter, skipped when no query parameter names one of the view's filters.

    A FilterSet given none of its parameters filters nothing, but building and validating its form
    costs about a third of a millisecond (as much as writing fifteen task rows); most list
    requests send no filter at all.
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        # Prefixes, so that a filter read from several parameters (`x_min`, `x_max`) still counts.
        names = tuple(filterset_class.base_filters)
        if not any(param.startswith(names) for param in request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)


class DefinitionPagination(pagination.PageNumberPagination):
    """Django's paginator: a COUNT, then the page.

    Two queries rather than a window count on the page: `COUNT(*) OVER ()` makes the database
    produce every visible row before it can return the first, where the page alone walks its
    list's index and stops after its hundred rows (`access.definitions_for`).
    """


STATUS_FILTER = {"choices": DefinitionStatus.choices, "help_text": _("draft, published or archived")}


class WorkflowFilter(filters.FilterSet):
    status = filters.ChoiceFilter(**STATUS_FILTER)
    slug = filters.CharFilter()
    version = IdFilter()

    class Meta:
        model = WorkflowDefinition
        fields = ["status", "slug", "version"]


class TaskFilter(filters.FilterSet):
    workflow = IdFilter(field_name="workflow_id", help_text=_("Workflow id."))
    status = filters.ChoiceFilter(**STATUS_FILTER)
    slug = filters.CharFilter()

    class Meta:
        model = TaskDefinition
        fields = ["workflow", "status", "slug"]


class TransitionFilter(TaskFilter):
    class Meta:
        model = WorkflowTransition
        fields = ["workflow", "status", "slug"]


class TicketFilter(TaskFilter):
    class Meta:
        model = TicketDefinition
        fields = ["workflow", "status", "slug"]


def crud_schema(tag: str, serializer, *, nested: bool = False, create_request=None):
    """The documented responses of one definition viewset, errors included."""
    path = (
        [OpenApiParameter("workflow_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="Workflow id.")]
        if nested
        else []
    )
    return extend_schema_view(
        list=extend_schema(
            tags=[tag],
            parameters=path,
            responses={
                200: serializer(many=True),
                400: ERROR_400,
                401: ERROR_401,
                **({404: ERROR_404} if nested else {}),
            },
        ),
        retrieve=extend_schema(
            tags=[tag], parameters=path, responses={200: serializer, 401: ERROR_401, 404: ERROR_404}
        ),
        create=extend_schema(
            tags=[tag],
            parameters=path,
            request=create_request or serializer,
            responses={201: serializer, 400: ERROR_400, 401: ERROR_401, 403: ERROR_403, 404: ERROR_404, 409: ERROR_409},
        ),
        update=extend_schema(
            tags=[tag],
            parameters=path,
            responses={200: serializer, 400: ERROR_400, 401: ERROR_401, 403: ERROR_403, 404: ERROR_404, 409: ERROR_409},
        ),
        partial_update=extend_schema(
            tags=[tag],
            parameters=path,
            responses={200: serializer, 400: ERROR_400, 401: ERROR_401, 403: ERROR_403, 404: ERROR_404, 409: ERROR_409},
        ),
        destroy=extend_schema(
            tags=[tag],
            parameters=path,
            responses={
                204: OpenApiResponse(description=_("Deleted.")),
                400: ERROR_400,
                401: ERROR_401,
                403: ERROR_403,
                404: ERROR_404,
                409: ERROR_409,
            },
        ),
    )


class DefinitionViewSet(viewsets.ModelViewSet):
    """Common behaviour: access-layer querysets, service writes, creator-only writes."""

    authentication_classes = API_AUTHENTICATION
    permission_classes = [permissions.IsAuthenticated, CreatorWritePermission]
    parser_classes = API_PARSERS
    filter_backends = [DefinitionFilterBackend]
    pagination_class = DefinitionPagination
    # The input of `create` when it differs from the other actions' (e.g. a superuser's company).
    create_serializer_class = None
    lookup_value_regex = r"[0-9]+"
    # Object permission the action needs besides "view" (which the queryset already applies).
    object_actions = {"update": "change", "partial_update": "change", "destroy": "delete"}

    def get_queryset(self):
        # Each viewset's `scope(user)` reads its model through the access layer.
        return self.scope(self.request.user)

    def get_serializer_class(self):
        # The browsable API draws the list page's POST form as action "list" with method POST.
        creating = self.action == "create" or (self.action == "list" and self.request.method == "POST")
        if creating and self.create_serializer_class is not None:
            return self.create_serializer_class
        return super().get_serializer_class()

    def company_for_new_definition(self, data):
        """The company of a new workflow or ticket definition.

        A superuser names it (`company`, checked by the serializer against every company);
        anyone else gets their own, whatever they sent. Only superusers may lack a company (a
        database constraint), so a missing one is theirs to name.
        """
        company = access.company_for_new_definition(self.request.user, data.pop("company", None))
        if company is None:
            raise serializers.ValidationError({"company": [_("Choose the company the new definition belongs to.")]})
        return company

    def get_object(self):
        obj = super().get_object()
        needed = self.object_actions.get(self.action)
        if needed and not access.user_may(self.request.user, needed, obj):
            raise exceptions.PermissionDenied(_("You may view this definition but not change it."))
        return obj

    def perform_create(self, serializer):
        try:
            with transaction.atomic():
                serializer.instance = self.create_via_service(dict(serializer.validated_data))
        except DjangoValidationError as exc:
            raise_api_error(exc)

    def perform_update(self, serializer):
        try:
            with transaction.atomic():
                serializer.instance = self.update_via_service(serializer.instance, dict(serializer.validated_data))
        except DjangoValidationError as exc:
            raise_api_error(exc)

    def perform_destroy(self, instance):
        try:
            with transaction.atomic():
                self.delete_via_service(instance)
        except DjangoValidationError as exc:
            raise_api_error(exc)

    def expected_revision(self, data) -> int | None:
        """The workflow revision the client last read: the body's `expected_revision` or `If-Match`."""
        value = data.pop("expected_revision", None)
        if value is not None:
            return value
        header = self.request.headers.get("If-Match", "").strip()
        header = header.removeprefix("W/").strip('"')
        if not header or header == "*":
            return None
        if not header.isdigit() or len(header) > 10:
            raise serializers.ValidationError({"If-Match": [_("Send the workflow revision you last read.")]})
        return int(header)

    def refuse_moving(self, instance, data, name="workflow"):
        if name in data and data.pop(name) != getattr(instance, name):
            raise serializers.ValidationError({name: [_("This cannot be moved to another workflow.")]})


# Workflows --------------------------------------------------------------------------------


def _lint_report(workflow):
    from workflow_design.rules.linting import lint_workflow

    findings = [finding.as_dict() for finding in lint_workflow(workflow)]
    errors = sum(1 for f in findings if f["level"] == "error")
    return {
        "workflow": workflow.pk,
        "ok": errors == 0,
        "errors": errors,
        "warnings": len(findings) - errors,
        "findings": findings,
    }


def _read_bundle_upload(upload):
    """The JSON document of an uploaded bundle file, size-checked before it is parsed."""
    limit = int(getattr(settings, "TICKETFLOWER_MAX_UPLOAD_BYTES", 5 * 1024 * 1024))
    if upload.size is not None and upload.size > limit:
        raise serializers.ValidationError({"file": [_("The file is larger than %(limit)d bytes.") % {"limit": limit}]})
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise serializers.ValidationError({"file": [_("The file is larger than %(limit)d bytes.") % {"limit": limit}]})
    try:
        from workflow_design.files.uploads import UploadRefused, safe_json_loads
    except ImportError:  # pragma: no cover - older checkouts
        import json

        try:
            return json.loads(data.decode("utf-8"))
        except (ValueError, RecursionError):
            raise serializers.ValidationError({"file": [_("The file is not a JSON bundle.")]})
    try:
        return safe_json_loads(data)
    except UploadRefused as exc:
        raise serializers.ValidationError({"file": [exc.message]})
    except (ValueError, RecursionError):
        raise serializers.ValidationError({"file": [_("The file is not a JSON bundle.")]})


@crud_schema("workflows", WorkflowSerializer, create_request=WorkflowCreateSerializer)
class WorkflowViewSet(DefinitionViewSet):
    """Workflow definitions of your company, with their lifecycle actions."""

    serializer_class = WorkflowSerializer
    create_serializer_class = WorkflowCreateSerializer
    filterset_class = WorkflowFilter
    object_actions = {**DefinitionViewSet.object_actions, "publish": "change", "new_version": "change"}

    def scope(self, user):
        return access.workflows_for(user, "view")

    def create_via_service(self, data):
        company = self.company_for_new_definition(data)
        data.pop("expected_revision", None)
        return services.workflow_create(user=self.request.user, company=company, **data)

    def update_via_service(self, instance, data):
        return services.workflow_update(
            workflow=instance, user=self.request.user, expected_revision=self.expected_revision(data), **data
        )

    def delete_via_service(self, instance):
        # Published versions are read-only everywhere, deletion included (as in the admin).
        services.definition_ensure_editable(obj=instance)
        services.workflow_delete(workflow=instance, user=self.request.user)

    @extend_schema(
        tags=["workflows"],
        request=None,
        responses={
            200: WorkflowSerializer,
            400: ERROR_400,
            401: ERROR_401,
            403: ERROR_403,
            404: ERROR_404,
            409: ERROR_409,
        },
        description=_("Publish a draft: refused (400) while the linter reports errors; 409 if it is not a draft."),
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None, **kwargs):
        from workflow_design.services.lifecycle import workflow_publish

        workflow = self.get_object()
        try:
            with transaction.atomic():
                published = workflow_publish(workflow=workflow, user=request.user)
        except DjangoValidationError as exc:
            raise_api_error(exc)
        return Response(WorkflowSerializer(published, context=self.get_serializer_context()).data)

    @extend_schema(
        tags=["workflows"],
        request=None,
        responses={
            201: WorkflowSerializer,
            400: ERROR_400,
            401: ERROR_401,
            403: ERROR_403,
            404: ERROR_404,
            409: ERROR_409,
        },
        description=_("Create the next version (a draft deep copy) of a published workflow."),
    )
    @action(detail=True, methods=["post"], url_path="new-version")
    def new_version(self, request, pk=None, **kwargs):
        from workflow_design.services.lifecycle import workflow_new_version

        workflow = self.get_object()
        try:
            with transaction.atomic():
                created = workflow_new_version(workflow=workflow, user=request.user)
        except DjangoValidationError as exc:
            raise_api_error(exc)
        body = WorkflowSerializer(created, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["workflows"],
        responses={200: LintReportSerializer, 401: ERROR_401, 404: ERROR_404},
        description=_("The linter's findings: level, code, message and the object at fault."),
    )
    @action(detail=True, methods=["get"])
    def lint(self, request, pk=None, **kwargs):
        return Response(_lint_report(self.get_object()))

    @extend_schema(
        tags=["workflows"],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description=_("The bundle document.")),
            401: ERROR_401,
            404: ERROR_404,
        },
        description=_("The workflow as a bundle document (tasks, transitions, ticket types, roles; by slug)."),
    )
    @action(detail=True, methods=["get"])
    def bundle(self, request, pk=None, **kwargs):
        from workflow_design.files.bundles import bundle_export

        return Response(bundle_export(workflow=self.get_object()))

    @extend_schema(
        tags=["workflows"],
        parameters=[BundleImportQuerySerializer],
        request={"application/json": OpenApiTypes.OBJECT, "multipart/form-data": BundleUploadSerializer},
        responses={
            200: OpenApiResponse(BundleImportResultSerializer, description=_("Dry run: what the import would do.")),
            201: OpenApiResponse(BundleImportResultSerializer, description=_("Imported.")),
            400: OpenApiResponse(BundleImportResultSerializer, description=_("Refused: nothing was saved.")),
            401: ERROR_401,
            403: ERROR_403,
        },
        description=_("Import a bundle (JSON body or an uploaded file) into your company; `?dry_run=1` previews."),
    )
    @action(detail=False, methods=["post"], url_path="import-bundle", filterset_class=None)
    def import_bundle(self, request, **kwargs):
        from workflow_design.files.bundles import bundle_import

        options = BundleImportQuerySerializer(data=request.query_params)
        options.is_valid(raise_exception=True)
        if "file" in request.FILES:
            document = _read_bundle_upload(request.FILES["file"])
        else:
            document = request.data
            if hasattr(document, "dict"):  # a form post without a file
                raise serializers.ValidationError({"file": [_("Send the bundle as JSON or upload it as `file`.")]})
        try:
            result = bundle_import(user=request.user, document=document, **options.validated_data)
        except DjangoValidationError as exc:
            raise_api_error(exc)
        if not result.ok:
            code = status.HTTP_400_BAD_REQUEST
        elif result.dry_run:
            code = status.HTTP_200_OK
        else:
            code = status.HTTP_201_CREATED
        return Response(result.as_dict(), status=code)


# Tasks --------------------------------------------------------------------------------------


@crud_schema("tasks", TaskSerializer)
class TaskViewSet(DefinitionViewSet):
    """Task definitions; each returns the JSON Schemas of its input and output forms."""

    serializer_class = TaskSerializer
    filterset_class = TaskFilter

    def scope(self, user):
        return access.tasks_for(user, "view")

    def create_via_service(self, data):
        workflow = data.pop("workflow")
        return services.task_create(
            user=self.request.user, workflow=workflow, expected_revision=self.expected_revision(data), **data
        )

    def update_via_service(self, instance, data):
        self.refuse_moving(instance, data)
        return services.task_update(
            task=instance, user=self.request.user, expected_revision=self.expected_revision(data), **data
        )

    def delete_via_service(self, instance):
        services.task_delete(task=instance, user=self.request.user, expected_revision=self.expected_revision({}))


class NestedMixin:
    """/workflows/<workflow_pk>/…: the parent workflow must be visible (else 404)."""

    def parent(self):
        if not hasattr(self, "_parent"):
            self._parent = get_object_or_404(
                access.workflows_for(self.request.user, "view"), pk=self.kwargs["workflow_pk"]
            )
        return self._parent

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.parent()  # 404 for a hidden workflow before the body is even read

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request kwargs
            return self.serializer_class.Meta.model.objects.none()
        return super().get_queryset().filter(workflow_id=self.parent().pk)

    def create_via_service(self, data):
        workflow = self.parent()
        if not access.user_may(self.request.user, "change", workflow):
            raise exceptions.PermissionDenied(_("You may view this workflow but not change it."))
        data["workflow"] = workflow
        return super().create_via_service(data)


@crud_schema("tasks", NestedTaskSerializer, nested=True)
class WorkflowTaskViewSet(NestedMixin, TaskViewSet):
    """The tasks of one workflow."""

    serializer_class = NestedTaskSerializer


# Transitions ------------------------------------------------------------------------------


@crud_schema("transitions", TransitionSerializer)
class TransitionViewSet(DefinitionViewSet):
    """Transitions: empty from_task starts, empty to_task ends; conditions are CEL."""

    serializer_class = TransitionSerializer
    filterset_class = TransitionFilter

    def scope(self, user):
        return access.transitions_for(user, "view")

    def create_via_service(self, data):
        workflow = data.pop("workflow")
        return services.transition_create(
            user=self.request.user, workflow=workflow, expected_revision=self.expected_revision(data), **data
        )

    def update_via_service(self, instance, data):
        self.refuse_moving(instance, data)
        return services.transition_update(
            transition=instance, user=self.request.user, expected_revision=self.expected_revision(data), **data
        )

    def delete_via_service(self, instance):
        services.transition_delete(
            transition=instance, user=self.request.user, expected_revision=self.expected_revision({})
        )


@crud_schema("transitions", NestedTransitionSerializer, nested=True)
class WorkflowTransitionViewSet(NestedMixin, TransitionViewSet):
    """The transitions of one workflow."""

    serializer_class = NestedTransitionSerializer


# Ticket definitions -----------------------------------------------------------------------


@crud_schema("tickets", TicketSerializer, create_request=TicketCreateSerializer)
class TicketViewSet(DefinitionViewSet):
    """Ticket definitions (ticket types); each returns the JSON Schema of its ticket form."""

    serializer_class = TicketSerializer
    create_serializer_class = TicketCreateSerializer
    filterset_class = TicketFilter

    def scope(self, user):
        return access.tickets_for(user, "view")

    def create_via_service(self, data):
        company = self.company_for_new_definition(data)
        data.pop("expected_updated_at", None)
        return services.ticket_create(user=self.request.user, company=company, **data)

    def update_via_service(self, instance, data):
        # `expected_updated_at`, when sent, makes the service refuse a stale save.
        return services.ticket_update(ticket=instance, user=self.request.user, **data)

    def delete_via_service(self, instance):
        services.ticket_delete(ticket=instance, user=self.request.user)
