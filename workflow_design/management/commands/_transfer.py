"""Shared parts of the bundle commands: the company and the acting user."""

from __future__ import annotations

from django.core.management.base import CommandError

from users.models import Company, User


def company_by_slug(slug: str) -> Company:
    company = Company.objects.filter(slug=slug).first()
    if company is None:
        raise CommandError(f'No company with the slug "{slug}".')
    return company


def acting_user(email: str | None, company: Company) -> User:
    """The named user (a creator of this company, or a superuser); without one, the operator.

    Whoever runs manage.py already has the server's rights, so without --user the command acts
    as an unsaved platform operator: it sees every company and is recorded as nobody.
    """
    if not email:
        return User(email="command-line@localhost", is_superuser=True, is_staff=True, is_active=True)
    user = User.objects.filter(email__iexact=email).first()
    if user is None or not user.is_active:
        raise CommandError(f'No active user with the email "{email}".')
    if not user.is_superuser and (user.company_id != company.pk or not user.is_workflow_creator):
        raise CommandError(f"{email} is not a workflow creator of {company.slug}.")
    return user
