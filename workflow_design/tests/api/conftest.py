"""Clients of the API tests: a workflow creator of company alpha, and a platform superuser."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the login throttle and the diagrams start empty


@pytest.fixture
def api(creator_a):
    client = APIClient()
    client.force_authenticate(creator_a)
    return client


@pytest.fixture
def root_api(superuser):
    client = APIClient()
    client.force_authenticate(superuser)
    return client
