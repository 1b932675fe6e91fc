"""Login throttling counts failures on the normalised email and the address the trusted proxies
report, alike on the admin, browsable-API and JWT login; logout ends the API access token."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from rest_framework.test import APIClient

from ticketflower.testing.factories import TEST_PASSWORD
from users.login_keys import client_address, login_email

pytestmark = pytest.mark.django_db

# Spellings of creator@alpha.example that all log in to the same account.
SPELLINGS = [
    "Creator@Alpha.Example",
    "CREATOR@ALPHA.EXAMPLE",
    " creator@ALPHA.example ",
    "cReAtOr@alpha.example",
    "creator@alpha.EXAMPLE",
    "CrEaToR@AlPhA.eXaMpLe",
]


@pytest.fixture(autouse=True)
def _fresh_throttles(settings):
    settings.AXES_ENABLED = True
    cache.clear()
    yield
    cache.clear()


def admin_login(email, password, **headers):
    return APIClient().post("/admin/login/", {"username": email, "password": password, "next": "/admin/"}, **headers)


def browsable_login(email, password, **headers):
    return APIClient().post("/api-auth/login/", {"username": email, "password": password}, **headers)


def jwt_login(email, password, **headers):
    return APIClient().post("/api/login/", {"email": email, "password": password}, format="json", **headers)


LOGIN_PATHS = {"admin": admin_login, "browsable": browsable_login, "jwt": jwt_login}


def logged_in(path: str, response) -> bool:
    if path == "jwt":
        return response.status_code == 200 and "access" in response.json()
    return response.status_code == 302 and "_auth_user_id" in response.client.session


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_login_failures_in_varied_case_lock_the_account(path, creator_a, settings):
    attempt = LOGIN_PATHS[path]
    for n in range(settings.AXES_FAILURE_LIMIT):
        assert not logged_in(path, attempt(SPELLINGS[n % len(SPELLINGS)], "wrong", REMOTE_ADDR="10.0.0.1"))
    locked = attempt("creator@alpha.example", TEST_PASSWORD, REMOTE_ADDR="10.0.0.1")
    assert locked.status_code == 429
    # The lock is the account's, whatever the spelling.
    assert attempt(SPELLINGS[-1], TEST_PASSWORD, REMOTE_ADDR="10.0.0.1").status_code == 429


def test_login_failures_on_every_path_count_together(creator_a, settings):
    attempts = list(LOGIN_PATHS.values())
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempts[n % len(attempts)](SPELLINGS[n % len(SPELLINGS)], "wrong", REMOTE_ADDR="10.0.0.1")
    for path, attempt in LOGIN_PATHS.items():
        assert attempt("creator@alpha.example", TEST_PASSWORD, REMOTE_ADDR="10.0.0.1").status_code == 429, path


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_login_forwarded_header_chosen_by_client_does_not_pick_the_key(path, creator_a, settings):
    attempt = LOGIN_PATHS[path]
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt("creator@alpha.example", "wrong", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    locked = attempt("creator@alpha.example", TEST_PASSWORD, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert locked.status_code == 429
    # The victim's own address, sent by the attacker as the header, did not lock the victim out.
    assert logged_in(path, attempt("creator@alpha.example", TEST_PASSWORD, REMOTE_ADDR="198.51.100.1"))


def sent_via(remote: str, forwarded: str) -> dict:
    return {"REMOTE_ADDR": remote, "HTTP_X_FORWARDED_FOR": forwarded}


def test_jwt_login_throttle_ignores_varied_forwarded_headers(db):
    for n in range(10):  # the `login` rate of the settings: 10/min
        response = jwt_login(f"nobody{n}@alpha.example", "wrong", **sent_via("203.0.113.9", f"10.1.{n}.1"))
        assert response.status_code == 401
    throttled = jwt_login("nobody@alpha.example", "wrong", **sent_via("203.0.113.9", "10.9.9.9"))
    assert throttled.status_code == 429


def test_jwt_login_throttle_spares_the_victim_named_in_the_header(creator_a):
    for n in range(12):
        jwt_login(f"nobody{n}@alpha.example", "wrong", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert jwt_login("creator@alpha.example", TEST_PASSWORD, REMOTE_ADDR="10.0.0.1").status_code == 200


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_login_behind_one_proxy_keys_on_the_address_the_proxy_saw(path, creator_a, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    attempt = LOGIN_PATHS[path]
    proxy = {"REMOTE_ADDR": "192.0.2.1"}
    for n in range(settings.AXES_FAILURE_LIMIT):
        # The left part is the attacker's; the proxy appended the address it saw.
        attempt("creator@alpha.example", "wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.1, 172.16.{n}.1, 198.51.100.7", **proxy)
    locked = attempt("creator@alpha.example", TEST_PASSWORD, HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.7", **proxy)
    assert locked.status_code == 429
    # The victim behind the same proxy, whose address the attacker wrote, is not locked out.
    assert logged_in(path, attempt("creator@alpha.example", TEST_PASSWORD, HTTP_X_FORWARDED_FOR="10.0.0.1", **proxy))


def test_jwt_login_throttle_behind_one_proxy_ignores_the_client_written_part(db, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(10):
        response = jwt_login(f"nobody{n}@alpha.example", "x", **sent_via("192.0.2.1", f"10.1.{n}.1, 198.51.100.7"))
        assert response.status_code == 401
    throttled = jwt_login("n@alpha.example", "x", **sent_via("192.0.2.1", "1.1.1.1, 198.51.100.7"))
    assert throttled.status_code == 429
    # Another client behind the same proxy is not throttled by it.
    assert jwt_login("n@alpha.example", "x", **sent_via("192.0.2.1", "198.51.100.8")).status_code == 401


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "1.1.1.1", "192.0.2.1"),
        (1, "1.1.1.1, 198.51.100.7", "198.51.100.7"),
        (2, "1.1.1.1, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (2, "198.51.100.7", "192.0.2.1"),  # shorter than the proxy chain: not trusted
        (1, "not-an-address", "192.0.2.1"),
        (1, "", "192.0.2.1"),
        (1, " 2001:DB8::1 ", "2001:db8::1"),
    ],
)
def test_client_address_takes_the_entry_the_trusted_proxies_wrote(proxies, forwarded, expected, settings):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_login_email_is_one_key_for_every_spelling(creator_a):
    keys = {login_email(None, {"username": typed}) for typed in SPELLINGS}
    assert keys == {"creator@alpha.example"}
    # Unknown accounts fold alike too, and the typographic variants PostgreSQL folds (dotless ı).
    assert login_email(None, {"username": "NOBODY@ALPHA.EXAMPLE"}) == "nobody@alpha.example"
    assert login_email(None, {"username": "admın@alpha.example"}) == "admin@alpha.example"


# Logout -----------------------------------------------------------------------------------------


def test_logout_ends_the_access_token_at_once(creator_a):
    api = APIClient()
    tokens = jwt_login("creator@alpha.example", TEST_PASSWORD).json()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert api.get("/api/workflow/workflows/").status_code == 200
    assert APIClient().post("/api/logout/", {"refresh": tokens["refresh"]}, format="json").status_code == 204
    refused = api.get("/api/workflow/workflows/")
    assert refused.status_code == 401
    assert refused.json()["detail"] == "This token is no longer valid; log in again."


def test_refreshed_access_token_works_and_the_replaced_one_ends(creator_a):
    api = APIClient()
    tokens = jwt_login("creator@alpha.example", TEST_PASSWORD).json()
    rotated = api.post("/api/token/refresh/", {"refresh": tokens["refresh"]}, format="json").json()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {rotated['access']}")
    assert api.get("/api/workflow/workflows/").status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert api.get("/api/workflow/workflows/").status_code == 401
    # Another session of the same user is untouched by this one's logout.
    other = jwt_login("creator@alpha.example", TEST_PASSWORD).json()
    APIClient().post("/api/logout/", {"refresh": rotated["refresh"]}, format="json")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {other['access']}")
    assert api.get("/api/workflow/workflows/").status_code == 200
