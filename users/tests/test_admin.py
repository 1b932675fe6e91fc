import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from ticketflower.testing.factories import TEST_PASSWORD, UserFactory
from users.admin_hardening import UniformRefusalMixin
from users.models import Company, User


@pytest.mark.django_db
def test_admin_login_page_asks_for_email(client):
    response = client.get(reverse("admin:login"))
    content = response.content.decode()
    assert "Email address" in content
    assert "Username" not in content


@pytest.mark.django_db
def test_admin_login_with_email_and_password(client, creator_a):
    response = client.post(
        reverse("admin:login"), {"username": creator_a.email, "password": TEST_PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302 and response.url == "/admin/"
    assert client.session["_auth_user_id"] == str(creator_a.pk)
    index = client.get("/admin/")
    assert creator_a.get_short_name() in index.content.decode()


@pytest.mark.django_db
def test_admin_login_wrong_password_refused(client, creator_a):
    response = client.post(
        reverse("admin:login"), {"username": creator_a.email, "password": "wrong", "next": "/admin/"}
    )
    assert response.status_code == 200
    assert "Please enter the correct email address and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_company_admin_creates_user_in_own_company_only(client, company_admin_a, company_b):
    client.force_login(company_admin_a)
    response = client.post(
        reverse("admin:users_user_add"),
        {
            "email": "new@alpha.example",
            "company": company_b.pk,
            "password1": "Str0ng-pass-xyz",
            "password2": "Str0ng-pass-xyz",
            "usable_password": "true",
            "is_superuser": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    from users.models import User

    created = User.objects.get(email="new@alpha.example")
    assert created.company == company_admin_a.company
    assert created.is_superuser is False


@pytest.mark.django_db
def test_company_admin_cannot_see_other_company_users(client, company_admin_a, creator_b):
    client.force_login(company_admin_a)
    listing = client.get(reverse("admin:users_user_changelist"))
    assert listing.status_code == 200
    assert creator_b.email not in listing.content.decode()
    assert client.get(reverse("admin:users_user_change", args=[creator_b.pk])).status_code in (302, 404)


@pytest.mark.django_db
def test_password_change_uses_django_form(client, company_admin_a):
    member = UserFactory(company=company_admin_a.company, email="member@alpha.example")
    client.force_login(company_admin_a)
    url = reverse("admin:auth_user_password_change", args=[member.pk])
    response = client.post(
        url, {"password1": "N3w-pass-word!", "password2": "N3w-pass-word!", "usable_password": "true"}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("N3w-pass-word!")


def test_admins_of_apps_without_uniform_refusals_are_wrapped():
    assert isinstance(admin.site.get_model_admin(Group), UniformRefusalMixin)
    # The users app declares its admins refuse uniformly themselves: they are left as they are.
    assert not isinstance(admin.site.get_model_admin(Company), UniformRefusalMixin)
    assert not isinstance(admin.site.get_model_admin(User), UniformRefusalMixin)


@pytest.mark.django_db
def test_wrapped_admin_refuses_existing_and_missing_ids_alike(client, creator_a):
    client.force_login(creator_a)
    existing = Group.objects.get(name="workflow_creator")
    for view in ("change", "history", "delete"):
        found = client.get(reverse(f"admin:auth_group_{view}", args=[existing.pk]))
        missing = client.get(reverse(f"admin:auth_group_{view}", args=[existing.pk + 10_000]))
        assert (found.status_code, missing.status_code) == (403, 403), view


@pytest.mark.django_db
def test_users_page_group_filter_offers_only_own_company_groups(client, company_admin_a, creator_b, superuser):
    client.force_login(company_admin_a)
    page = client.get(reverse("admin:users_user_changelist")).content.decode()
    assert "alpha:workflow_creators" in page
    assert "workflow_creator" in page and "company_admin" in page
    assert "beta" not in page
    # Even with another company's group chosen in the address, its name is not shown.
    other = Group.objects.get(name="beta:workflow_creators")
    chosen = client.get(reverse("admin:users_user_changelist"), {"groups__id__exact": other.pk})
    assert "beta" not in chosen.content.decode()
    client.force_login(superuser)
    assert "beta:workflow_creators" in client.get(reverse("admin:users_user_changelist")).content.decode()
