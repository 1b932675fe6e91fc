"""Failed admin logins are throttled per account and address, with a cool-off."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from ticketflower.testing.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def login(client, email, password, address="10.0.0.1"):
    return client.post(
        reverse("admin:login"), {"username": email, "password": password, "next": "/admin/"}, REMOTE_ADDR=address
    )


def test_repeated_failures_lock_the_account_from_that_address(client, creator_a):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, creator_a.email, "wrong")
    locked = login(client, creator_a.email, TEST_PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_stranger_cannot_lock_out_the_owner_from_elsewhere(client, creator_a):
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        login(client, creator_a.email, "wrong", address="203.0.113.9")
    response = login(client, creator_a.email, TEST_PASSWORD, address="10.0.0.1")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(creator_a.pk)


def test_lockout_ends_after_cool_off(client, creator_a):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, creator_a.email, "wrong")
    assert login(client, creator_a.email, TEST_PASSWORD).status_code == 429
    # The failures age past the cool-off period.
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=5))
    response = login(client, creator_a.email, TEST_PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(creator_a.pk)


def test_password_change_ends_other_sessions(client, creator_a):
    from django.test import Client

    client.force_login(creator_a)
    assert client.get("/admin/").status_code == 200
    other = Client()
    other.force_login(creator_a)
    creator_a.set_password("An0ther-strong-pass")
    creator_a.save()
    assert client.get("/admin/").status_code == 302  # back to the login page
    assert other.get("/admin/").status_code == 302


def test_deactivation_ends_sessions(client, creator_a):
    client.force_login(creator_a)
    creator_a.is_active = False
    creator_a.save()
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response.url
