"""The API's one exception handler: Django's refusals as DRF answers (400, 409, 404, 403)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.settings import api_settings

from ticketflower.api_errors import CONFLICT_CODES, exception_handler
from users.apis import CreateCompanyView


def _answer(exc, view=None):
    response = exception_handler(exc, {"view": view})
    return response.status_code, response.data


def test_handler_is_the_apis_exception_handler():
    assert api_settings.EXCEPTION_HANDLER is exception_handler


def test_field_errors_are_drf_field_messages_json():
    error = ValidationError({"title": ["Too long."], "__all__": ["Clashes with another workflow."]})
    assert _answer(error) == (400, {"title": ["Too long."], "non_field_errors": ["Clashes with another workflow."]})


def test_an_error_without_a_field_is_a_non_field_error():
    error = ValidationError("%(count)d tasks are unreachable.", params={"count": 2})
    assert _answer(error) == (400, {"non_field_errors": ["2 tasks are unreachable."]})


@pytest.mark.parametrize("code", sorted(CONFLICT_CODES))
def test_state_refusals_are_409_conflicts(code):
    error = ValidationError({"__all__": [ValidationError("Leave is published and read-only.", code=code)]})
    status, body = _answer(error)
    assert (status, body) == (409, {"non_field_errors": ["Leave is published and read-only."]})
    assert body["non_field_errors"][0].code == code


def test_a_conflict_wins_over_field_errors_of_the_same_refusal():
    error = ValidationError(
        {"title": ["Too long."], "__all__": [ValidationError("Someone else changed it.", code="stale")]}
    )
    assert _answer(error) == (409, {"title": ["Too long."], "non_field_errors": ["Someone else changed it."]})


def test_a_missing_row_is_404():
    assert _answer(ValidationError("This workflow no longer exists.", code="missing")) == (
        404,
        {"detail": "Not found."},
    )


def test_permission_denied_keeps_its_message():
    assert _answer(PermissionDenied("You may not publish workflows.")) == (
        403,
        {"detail": "You may not publish workflows."},
    )


def test_a_view_renames_the_services_fields():
    error = ValidationError({"email": ["A user with this email already exists."], "password": ["Too short."]})
    assert _answer(error, view=CreateCompanyView()) == (
        400,
        {"admin_email": ["A user with this email already exists."], "password": ["Too short."]},
    )
