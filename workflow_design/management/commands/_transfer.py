"""Shared parts of the bundle commands: the company and the acting user."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError

from users.models import Company, User


def company_by_slug(slug: str) -> Company:
    company = Company.objects.filter(slug=slug).first()
    if company is None:
        raise CommandError(f'No company with the slug "{slug}".')
    return company


def acting_user(email: str | None) -> User:
    """The named user; without one, the operator. What they may do is the policy's to say.

    Whoever runs manage.py already has the server's rights, so without --user the command acts
    as an unsaved platform operator: it sees every company and is recorded as nobody.
    """
    if not email:
        return User(email="command-line@localhost", is_superuser=True, is_staff=True, is_active=True)
    user = User.objects.filter(email__iexact=email).select_related("company").first()
    if user is None or not user.is_active:
        # An inactive user cannot sign in, here as anywhere.
        raise CommandError(f'No active user with the email "{email}".')
    return user


def refusal(exc: PermissionDenied | ValidationError) -> CommandError:
    """A refusal of the policy or the services, as the command's error."""
    return CommandError("; ".join(getattr(exc, "messages", None) or [str(exc)]))
