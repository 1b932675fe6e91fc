"""The people and definitions of the permission table, made once for all its tests.

Every cell of the table needs the same two companies, a user of each role and a few workflows.
They are made once for the package's tests inside a transaction that is rolled back after them; each
test runs inside it in its own savepoint (pytest-django's `db`), so a test's writes are undone
before the next one, as Django's `TestCase.setUpTestData` does for a test class.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import override_settings

from ticketflower.testing.factories import CompanyFactory, TicketFactory, UserFactory, WorkflowFactory, simple_workflow
from users.models import Company, User
from workflow_design.files.bundles import bundle_export
from workflow_design.models import WorkflowDefinition
from workflow_design.services import workflow_publish

# Slugs of the definitions each test finds in company "alpha".
DRAFT = "expenses"  # a bare draft: view, change, delete, export, grant
READY = "onboarding"  # a draft the linter passes: publish
PUBLISHED = "leave"  # a published version: archive, new version
IMPORTED = "imported"  # the slug of every import's new workflow


@dataclass(frozen=True)
class World:
    alpha: Company
    beta: Company
    users: dict[str, User]  # by role, as named in table.ROLES
    not_staff_creator: User  # an alpha creator without staff status
    draft_pk: int
    ready_pk: int
    published_pk: int
    ticket_pk: int  # a ticket definition of READY
    bundle: dict  # a bundle document whose workflow is IMPORTED

    def user(self, role: str) -> User:
        """The role's user, read again: a test may not see another test's cached state."""
        return User.objects.get(pk=self.users[role].pk)

    def own_company(self, role: str) -> Company:
        """Where the role's new definitions go: a superuser's is the one they name (alpha)."""
        user = self.users[role]
        return self.alpha if user.company_id is None else user.company

    def draft(self) -> WorkflowDefinition:
        return WorkflowDefinition.objects.get(pk=self.draft_pk)

    def ready(self) -> WorkflowDefinition:
        return WorkflowDefinition.objects.get(pk=self.ready_pk)

    def published(self) -> WorkflowDefinition:
        return WorkflowDefinition.objects.get(pk=self.published_pk)


def _build() -> World:
    alpha = CompanyFactory(slug="alpha", name="Alpha Ltd")
    beta = CompanyFactory(slug="beta", name="Beta GmbH")
    users = {
        "superuser": UserFactory(company=None, email="root@ticketflower.example", is_superuser=True),
        "company_admin": UserFactory(company=alpha, email="admin-only@alpha.example", company_admin=True),
        "creator": UserFactory(company=alpha, email="creator@alpha.example", creator=True),
        "admin_creator": UserFactory(company=alpha, email="admin@alpha.example", creator=True, company_admin=True),
        "staff": UserFactory(company=alpha, email="staff@alpha.example", is_staff=True),
        "other_creator": UserFactory(company=beta, email="creator@beta.example", creator=True),
        "inactive": UserFactory(company=alpha, email="gone@alpha.example", creator=True, is_active=False),
    }
    not_staff = UserFactory(company=alpha, email="api-only@alpha.example", creator=True, is_staff=False)
    draft = WorkflowFactory(company=alpha, slug=DRAFT, title="Expenses")
    ready = simple_workflow(alpha, tasks=2)
    WorkflowDefinition.objects.filter(pk=ready.pk).update(slug=READY, title="Onboarding")
    published = simple_workflow(alpha, tasks=1)
    WorkflowDefinition.objects.filter(pk=published.pk).update(slug=PUBLISHED, title="Leave")
    published.refresh_from_db()
    workflow_publish(workflow=published, user=None)
    bundle = bundle_export(workflow=WorkflowDefinition.objects.get(pk=ready.pk))
    bundle["workflow"] = {**bundle["workflow"], "slug": IMPORTED, "title": "Imported"}
    # Made after the bundle, which thus names no ticket definition of alpha's.
    ticket = TicketFactory(workflow=WorkflowDefinition.objects.get(pk=ready.pk), company=alpha, slug="access")
    return World(
        alpha=alpha,
        beta=beta,
        users=users,
        not_staff_creator=not_staff,
        draft_pk=draft.pk,
        ready_pk=ready.pk,
        published_pk=published.pk,
        ticket_pk=ticket.pk,
        bundle=bundle,
    )


@pytest.fixture(scope="package")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                made = _build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield made
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def w(world, db) -> World:
    """The shared world, inside this test's own savepoint."""
    return world
