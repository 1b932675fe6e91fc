"""Companies, roles and users keep to the same text rule as the definitions: no control
characters, refused at the field on every way in, nothing saved."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from users.models import Company, CompanyRole, User
from users.services import company_create, company_role_create, user_create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("bad", ["Sales\x07", "Sales\x00", "Sales\x1b[31m"])
def test_role_name_with_a_control_character_is_refused_at_the_name(company_a, bad):
    with pytest.raises(ValidationError) as refused:
        company_role_create(company=company_a, name=bad, slug="sales")
    assert "name" in refused.value.message_dict
    assert not CompanyRole.objects.filter(slug="sales").exists()


def test_role_description_keeps_tabs_and_line_breaks(company_a):
    role = company_role_create(company=company_a, name="Sales", slug="sales", description="One\tTwo\r\nThree")
    assert role.description == "One\tTwo\r\nThree"


def test_company_and_user_names_with_control_characters_are_refused(company_a):
    with pytest.raises(ValidationError) as refused:
        company_create(name="Bell\x07 Inc", slug="bell")
    assert "name" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        user_create(email="bell@alpha.example", password="Bell-Pass-2026!", company=company_a, full_name="Bell\x07")
    assert "full_name" in refused.value.message_dict
    assert not Company.objects.filter(slug="bell").exists()
    assert not User.objects.filter(email="bell@alpha.example").exists()


def test_create_company_api_refuses_a_control_character_in_the_name(superuser):
    api = APIClient()
    api.force_authenticate(superuser)
    body = {
        "name": "Gamma\x07 AG",
        "slug": "gamma",
        "admin_email": "boss@gamma.example",
        "admin_password": "Gamma-Admin-2026!",
    }
    response = api.post("/api/create-company/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "name": ["Control characters are not allowed: U+0007 at character 6. Only tabs and line breaks are."]
    }
    assert not Company.objects.filter(slug="gamma").exists()
