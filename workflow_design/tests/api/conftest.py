"""Clients of the API tests (a workflow creator of company alpha, a platform superuser, a user of alpha
without a designer role) and a draft workflow of alpha's."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from ticketflower.testing.factories import UserFactory, WorkflowFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the login throttle and the diagrams start empty


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def api(creator_a):
    return client_of(creator_a)


@pytest.fixture
def root_api(superuser):
    return client_of(superuser)


@pytest.fixture
def plain_api(company_a):
    """A staff user of alpha without a designer role."""
    return client_of(UserFactory(company=company_a, email="plain@alpha.example"))


@pytest.fixture
def workflow(creator_a):
    """A bare draft workflow of the `api` user's company."""
    return WorkflowFactory(company=creator_a.company)
