"""Every hostile input of the corpus, sent through its real path: refused with a 4xx that says why,
nothing written, and the server still answering a normal request afterwards."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from ticketflower.testing.factories import CompanyFactory
from workflow_design.tests.hostile.corpus import CASES, Clients, W, response_text, row_counts, target_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def clients(creator_a):
    cache.clear()
    api = APIClient()
    api.force_authenticate(creator_a)
    # A server error is an answer here (a 500), not an exception in the test.
    admin = Client(raise_request_exception=False)
    admin.force_login(creator_a)
    api.raise_request_exception = False
    return Clients(api=api, admin=admin)


@pytest.fixture
def target(company_a, creator_a):
    return target_for(company_a, creator_a, CompanyFactory(slug="other", name="Other Ltd"))


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input_is_refused_with_a_message_and_writes_nothing(case, clients, target):
    before = row_counts()
    response = case.send(clients, target)
    text = response_text(response)
    assert 400 <= response.status_code < 500, (response.status_code, text[:300])
    assert case.says in text
    assert "Traceback" not in text
    assert row_counts() == before
    assert clients.api.get(W).status_code == 200
