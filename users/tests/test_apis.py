"""The API's login by email, token rotation, logout, throttling, browsable-API login and
create-company endpoint."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import RefreshToken

from ticketflower.testing.factories import TEST_PASSWORD, UserFactory, WorkflowFactory
from users.models import Company, User
from users.roles import COMPANY_ADMIN, WORKFLOW_CREATOR

GENERIC_401 = "The email address or password is not correct."


@pytest.fixture(autouse=True)
def _fresh_throttles(settings):
    # Logins hash passwords: a fast hasher keeps these many logins quick (not a security setting).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


def login(api, email, password=TEST_PASSWORD):
    return api.post("/api/login/", {"email": email, "password": password}, format="json")


def test_login_by_email_returns_tokens_that_authenticate(api, creator_a):
    response = login(api, "creator@alpha.example")
    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    listed = api.get("/api/workflow/workflows/")
    assert listed.status_code == 200
    assert listed.json()["count"] == 0
    creator_a.refresh_from_db()
    assert creator_a.last_login is not None


def test_login_email_is_case_insensitive(api, creator_a):
    response = login(api, "Creator@ALPHA.example")
    assert response.status_code == 200
    assert "access" in response.json()


def test_login_wrong_password_and_unknown_email_get_the_same_401(api, creator_a):
    wrong_password = login(api, "creator@alpha.example", "not-the-password")
    unknown_email = login(api, "nobody@alpha.example", "not-the-password")
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json() == unknown_email.json() == {"detail": GENERIC_401}
    assert wrong_password["WWW-Authenticate"].startswith("Bearer")


def test_login_inactive_user_gets_the_generic_401(api, creator_a):
    User.objects.filter(pk=creator_a.pk).update(is_active=False)
    response = login(api, "creator@alpha.example")
    assert response.status_code == 401
    assert response.json() == {"detail": GENERIC_401}


def test_login_username_field_is_not_asked_for(api, creator_a):
    response = api.post("/api/login/", {"username": "creator@alpha.example", "password": TEST_PASSWORD}, format="json")
    assert response.status_code == 400
    assert response.json() == {"email": ["This field is required."]}


def test_refresh_rotates_and_blacklists_the_old_token(api, creator_a):
    tokens = login(api, "creator@alpha.example").json()
    rotated = api.post("/api/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert rotated.status_code == 200
    assert set(rotated.json()) == {"access", "refresh"}
    assert rotated.json()["refresh"] != tokens["refresh"]
    old_jti = RefreshToken(rotated.json()["refresh"], verify=False)["jti"]
    assert not BlacklistedToken.objects.filter(token__jti=old_jti).exists()

    reused = api.post("/api/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert reused.status_code == 401
    assert reused.json()["code"] == "token_not_valid"
    again = api.post("/api/token/refresh/", {"refresh": rotated.json()["refresh"]}, format="json")
    assert again.status_code == 200


def test_refresh_garbage_token_is_401(api, db):
    response = api.post("/api/token/refresh/", {"refresh": "not-a-token"}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_logout_blacklists_the_refresh_token(api, creator_a):
    tokens = login(api, "creator@alpha.example").json()
    response = api.post("/api/logout/", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 204
    assert BlacklistedToken.objects.filter(token__jti=RefreshToken(tokens["refresh"], verify=False)["jti"]).exists()
    refused = api.post("/api/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert refused.status_code == 401
    twice = api.post("/api/logout/", {"refresh": tokens["refresh"]}, format="json")
    assert twice.status_code == 401


def test_password_change_makes_refresh_and_access_tokens_unusable(api, creator_a):
    tokens = login(api, "creator@alpha.example").json()
    creator_a.set_password("A-new-Password-987")
    creator_a.save()

    refused = api.post("/api/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert refused.status_code == 401
    assert refused.json() == {"detail": "This token is no longer valid; log in again."}
    assert api.post("/api/token/refresh/", {"refresh": tokens["refresh"]}, format="json").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert api.get("/api/workflow/workflows/").status_code == 401

    api.credentials()
    assert login(api, "creator@alpha.example", "A-new-Password-987").status_code == 200


def test_deactivation_makes_refresh_tokens_unusable(api, creator_a):
    tokens = login(api, "creator@alpha.example").json()
    creator_a.is_active = False
    creator_a.save()
    refused = api.post("/api/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert refused.status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert api.get("/api/workflow/workflows/").status_code == 401


def test_refresh_of_a_deleted_user_is_401(api, company_a):
    user = UserFactory(company=company_a, email="gone@alpha.example", creator=True)
    tokens = login(api, "gone@alpha.example").json()
    user.delete()
    response = api.post("/api/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 401


def test_token_without_password_marker_is_refused(api, creator_a):
    bare = RefreshToken.for_user(creator_a)
    response = api.post("/api/token/refresh/", {"refresh": str(bare)}, format="json")
    assert response.status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {bare.access_token}")
    assert api.get("/api/workflow/workflows/").status_code == 401


def test_login_axes_locks_out_after_repeated_failures_then_cools_off(api, creator_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(api, "creator@alpha.example", "wrong").status_code == 401
    locked = login(api, "creator@alpha.example", "wrong")
    assert locked.status_code == 429
    # Even the right password is refused during the cool-off …
    assert login(api, "creator@alpha.example").status_code == 429
    # … and another user at the same address is not locked out by it.
    UserFactory(company=creator_a.company, email="other@alpha.example")
    assert login(api, "other@alpha.example").status_code == 200

    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.get(username="creator@alpha.example")
    assert attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT
    # The cool-off ends: an attempt older than AXES_COOLOFF_TIME no longer counts.
    AccessAttempt.objects.update(attempt_time=attempt.attempt_time - settings.AXES_COOLOFF_TIME * 2)
    assert login(api, "creator@alpha.example").status_code == 200


def test_login_throttle_limits_failures_from_one_address(api, db, settings):
    settings.AXES_ENABLED = True
    limit = 10  # the `login` rate of the test settings: 10/min
    for n in range(limit):
        response = login(api, f"nobody{n}@alpha.example", "wrong")
        assert response.status_code == 401
    throttled = login(api, "nobody-else@alpha.example", "wrong")
    assert throttled.status_code == 429
    assert "Retry-After" in throttled


def test_login_successes_are_not_throttled(api, creator_a):
    for _ in range(15):
        assert login(api, "creator@alpha.example").status_code == 200


# Browsable API -------------------------------------------------------------------------------


def _csrf_from(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_browsable_api_login_asks_for_email_and_posts_with_csrf(creator_a):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/api-auth/login/?next=/api/workflow/workflows/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'type="email" name="username"' in html
    assert "Email address" in html
    assert "Username" not in html

    logged_in = browser.post(
        "/api-auth/login/",
        {
            "username": "creator@alpha.example",
            "password": TEST_PASSWORD,
            "next": "/api/workflow/workflows/",
            "csrfmiddlewaretoken": _csrf_from(html),
        },
    )
    assert logged_in.status_code == 302
    assert logged_in["Location"] == "/api/workflow/workflows/"

    listing = browser.get("/api/workflow/workflows/", HTTP_ACCEPT="text/html")
    assert listing.status_code == 200
    assert "creator@alpha.example" in listing.content.decode()

    body = {"title": "Browsable", "slug": "browsable"}
    refused = browser.post("/api/workflow/workflows/", body, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]

    token = browser.cookies["csrftoken"].value
    created = browser.post("/api/workflow/workflows/", body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert created.status_code == 201
    assert created.json()["company"] == creator_a.company_id
    assert created.json()["created_by"] == creator_a.pk


def test_browsable_api_login_wrong_password_shows_generic_error(creator_a):
    browser = Client()
    response = browser.post("/api-auth/login/", {"username": "creator@alpha.example", "password": "wrong"})
    assert response.status_code == 200
    assert GENERIC_401 in response.content.decode()
    assert "_auth_user_id" not in browser.session


def test_browsable_api_login_is_throttled_by_axes(creator_a, settings):
    browser = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        browser.post("/api-auth/login/", {"username": "creator@alpha.example", "password": "wrong"})
    locked = browser.post("/api-auth/login/", {"username": "creator@alpha.example", "password": TEST_PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in browser.session


def test_session_ends_after_password_change(creator_a):
    browser = Client()
    browser.post("/api-auth/login/", {"username": "creator@alpha.example", "password": TEST_PASSWORD})
    assert browser.get("/api/workflow/workflows/").status_code == 200
    creator_a.set_password("A-new-Password-987")
    creator_a.save()
    assert browser.get("/api/workflow/workflows/").status_code == 401


def test_api_docs_and_schema_are_served_without_cdn(api, creator_a):
    api.force_authenticate(creator_a)
    docs = api.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()
    redoc = api.get("/api/redoc/")
    assert redoc.status_code == 200
    assert "/static/drf_spectacular_sidecar/redoc/" in redoc.content.decode()


# Companies -----------------------------------------------------------------------------------

NEW_COMPANY = {
    "name": "Gamma AG",
    "slug": "gamma",
    "admin_email": "boss@gamma.example",
    "admin_password": "Gamma-Admin-2026!",
    "admin_full_name": "Gina Gamma",
}


def test_create_company_creates_company_and_first_admin(api, superuser):
    api.force_authenticate(superuser)
    response = api.post("/api/create-company/", NEW_COMPANY, format="json")
    assert response.status_code == 201
    company = Company.objects.get(slug="gamma")
    admin = User.objects.get(email="boss@gamma.example")
    assert response.json() == {
        "company": {"id": company.pk, "name": "Gamma AG", "slug": "gamma"},
        "admin": {"id": admin.pk, "email": "boss@gamma.example", "full_name": "Gina Gamma"},
    }
    assert admin.company == company
    assert admin.is_staff and admin.is_company_admin
    assert not admin.has_system_role(WORKFLOW_CREATOR)
    assert company.creators_group is not None
    assert "password" not in response.content.decode()
    assert login(APIClient(), "boss@gamma.example", "Gamma-Admin-2026!").status_code == 200


def test_create_company_can_make_the_admin_a_workflow_creator(api, superuser):
    api.force_authenticate(superuser)
    response = api.post("/api/create-company/", {**NEW_COMPANY, "admin_is_workflow_creator": True}, format="json")
    assert response.status_code == 201
    admin = User.objects.get(email="boss@gamma.example")
    assert {g.name for g in admin.groups.all()} >= {COMPANY_ADMIN, WORKFLOW_CREATOR}


@pytest.mark.parametrize("who", ["creator_a", "company_admin_a"])
def test_create_company_refused_for_non_superusers(api, request, who):
    api.force_authenticate(request.getfixturevalue(who))
    response = api.post("/api/create-company/", NEW_COMPANY, format="json")
    assert response.status_code == 403
    assert not Company.objects.filter(slug="gamma").exists()


def test_create_company_anonymous_is_401(api, db):
    response = api.post("/api/create-company/", NEW_COMPANY, format="json")
    assert response.status_code == 401
    assert not Company.objects.filter(slug="gamma").exists()


def test_create_company_rules_come_back_per_field(api, superuser, company_a):
    api.force_authenticate(superuser)
    taken = api.post("/api/create-company/", {**NEW_COMPANY, "slug": "alpha"}, format="json")
    assert taken.status_code == 400
    assert "slug" in taken.json()
    weak = api.post("/api/create-company/", {**NEW_COMPANY, "admin_password": "123"}, format="json")
    assert weak.status_code == 400
    assert "admin_password" in weak.json()
    UserFactory(company=company_a, email="boss@gamma.example")
    email_taken = api.post("/api/create-company/", NEW_COMPANY, format="json")
    assert email_taken.status_code == 400
    assert list(email_taken.json()) == ["admin_email"]
    # Nothing half-made: the company of a refused admin was rolled back.
    assert not Company.objects.filter(slug="gamma").exists()


def test_workflow_factory_is_visible_after_api_login(api, creator_a):
    WorkflowFactory(company=creator_a.company, slug="visible", title="Visible")
    access = login(api, "creator@alpha.example").json()["access"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert [w["slug"] for w in api.get("/api/workflow/workflows/").json()["results"]] == ["visible"]


def test_bearer_token_costs_one_user_query_that_also_checks_logout(api, creator_a):
    """Access tokens are checked by signature, the password marker and, in the same query as the
    user, whether their refresh token was logged out with."""
    for _ in range(3):
        WorkflowFactory(company=creator_a.company)
    access = login(api, "creator@alpha.example").json()["access"]
    forced = APIClient()
    forced.force_authenticate(User.objects.get(pk=creator_a.pk))
    with CaptureQueriesContext(connection) as baseline:
        assert forced.get("/api/workflow/workflows/").json()["count"] == 3
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    with CaptureQueriesContext(connection) as bearer:
        assert api.get("/api/workflow/workflows/").json()["count"] == 3
    sql = [q["sql"] for q in bearer.captured_queries]
    assert len(sql) == len(baseline.captured_queries) + 1, sql
    assert [q for q in sql if "token_blacklist" in q] == [q for q in sql if '"users_user"."password"' in q][:1]


def test_create_company_password_like_the_admins_email_is_refused_at_the_field(api, superuser):
    api.force_authenticate(superuser)
    body = {**NEW_COMPANY, "admin_email": "gina.gamma@gamma.example", "admin_password": "gina.gamma@gamma.example1"}
    response = api.post("/api/create-company/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["admin_password"]
    assert "too similar" in response.json()["admin_password"][0]
    assert not Company.objects.filter(slug="gamma").exists()
