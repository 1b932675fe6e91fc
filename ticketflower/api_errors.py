"""The API's one translation of refusals into HTTP answers (DRF's `EXCEPTION_HANDLER`).

The services and the permission policy speak Django: a `ValidationError` (per field, with a
code) or a `PermissionDenied` (with the refusal's one message). API views let them rise and
this handler answers:

- a `ValidationError` whose code says the definition's state does not allow the change
  (`CONFLICT_CODES`: published and read-only, not a draft, a draft already exists, someone
  else saved first): 409 Conflict;
- code `missing` (the row went away meanwhile): 404;
- any other `ValidationError`: 400;
- `PermissionDenied`: 403 with its message (DRF's own handling).

409 and 400 bodies are DRF's field → messages JSON; Django's `__all__` becomes
`non_field_errors`. A view whose input names differ from the service's arguments maps them
with `api_field_names` (`{"email": "admin_email"}`). The error shapes the OpenAPI schema
documents are here too (`ERROR_400` ...).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.fields import get_error_detail
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

# Refusals that mean "the definition is not in a state that allows this".
CONFLICT_CODES = frozenset({"read_only", "not_draft", "not_published", "draft_exists", "stale"})
# Refusals that mean "the row is gone".
NOT_FOUND_CODES = frozenset({"missing"})


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The definition does not allow this change in its present state.")
    default_code = "conflict"


def exception_handler(exc: Exception, context: dict[str, Any]):
    """DRF's handler, after a Django `ValidationError` was made the API error it stands for."""
    if isinstance(exc, DjangoValidationError):
        exc = api_error(exc, field_names=getattr(context.get("view"), "api_field_names", None))
    return drf_exception_handler(exc, context)


def api_error(exc: DjangoValidationError, *, field_names: dict[str, str] | None = None) -> exceptions.APIException:
    """The API exception a service's refusal stands for: 409, 404 or 400 (see the module)."""
    detail = get_error_detail(exc)  # DRF's own conversion: messages with their codes
    errors = detail if isinstance(detail, dict) else {NON_FIELD_ERRORS: detail}
    names = {NON_FIELD_ERRORS: api_settings.NON_FIELD_ERRORS_KEY, **(field_names or {})}
    body: dict[str, list] = {}
    for field, messages in errors.items():
        body.setdefault(names.get(field, field), []).extend(messages)
    codes = {error.code for messages in errors.values() for error in messages}
    if codes & CONFLICT_CODES:
        return Conflict(body)
    if codes & NOT_FOUND_CODES:
        return exceptions.NotFound()
    return exceptions.ValidationError(body)


# Error shapes, for the OpenAPI schema ---------------------------------------------------------

DetailSerializer = inline_serializer("ErrorDetail", {"detail": serializers.CharField()})
FieldErrorsSerializer = inline_serializer(
    "FieldErrors",
    {
        "non_field_errors": serializers.ListField(child=serializers.CharField(), required=False),
        "field_name": serializers.ListField(
            child=serializers.CharField(), required=False, help_text=_("One list of messages per field at fault.")
        ),
    },
)
ERROR_400 = OpenApiResponse(FieldErrorsSerializer, description=_("Invalid input: messages per field."))
ERROR_401 = OpenApiResponse(DetailSerializer, description=_("Not authenticated, or the token is invalid."))
ERROR_403 = OpenApiResponse(DetailSerializer, description=_("The user's role does not allow this."))
ERROR_404 = OpenApiResponse(DetailSerializer, description=_("Not found (or not visible to the user)."))
ERROR_409 = OpenApiResponse(
    FieldErrorsSerializer,
    description=_("The definition is published and read-only (create a new version), or someone else saved first."),
)
ERROR_429 = OpenApiResponse(DetailSerializer, description=_("Too many failed logins; try again later."))
