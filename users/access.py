"""The access layer for companies, users and company roles.

The only place (with the design app's own access layer) that scopes rows by company. Views,
forms, admin choice lists, the API and import resources read through these functions.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db.models import QuerySet

from .models import Company, CompanyRole, User
from .roles import SYSTEM_ROLES


def _is_platform_admin(user) -> bool:
    return bool(user.is_active and user.is_superuser)


def companies_visible_to(user) -> QuerySet[Company]:
    if _is_platform_admin(user):
        return Company.objects.all()
    if not user.is_authenticated or user.company_id is None:
        return Company.objects.none()
    return Company.objects.filter(pk=user.company_id)


def users_visible_to(user) -> QuerySet[User]:
    """Superusers see everyone; a company admin their company's users; anyone else only themselves."""
    if _is_platform_admin(user):
        return User.objects.all()
    if not user.is_authenticated:
        return User.objects.none()
    if user.is_company_admin and user.company_id is not None:
        return User.objects.filter(company_id=user.company_id, is_superuser=False)
    return User.objects.filter(pk=user.pk)


def company_roles_visible_to(user) -> QuerySet[CompanyRole]:
    if _is_platform_admin(user):
        return CompanyRole.objects.select_related("company")
    if not user.is_authenticated or user.company_id is None:
        return CompanyRole.objects.none()
    return CompanyRole.objects.filter(company_id=user.company_id).select_related("company")


def company_roles_of(company_id: int | None) -> QuerySet[CompanyRole]:
    """The roles of one company (for choice lists of an object whose company is known)."""
    if company_id is None:
        return CompanyRole.objects.none()
    return CompanyRole.objects.filter(company_id=company_id)


def users_of_same_company(user, company_id: int | None) -> QuerySet[User]:
    """Users who may be granted something on an object of `company_id`, as seen by `user`."""
    candidates = users_visible_to(user) if not _is_platform_admin(user) else User.objects.all()
    if company_id is None:
        return candidates.none()
    return candidates.filter(company_id=company_id)


def groups_assignable_by(user) -> QuerySet[Group]:
    """Groups a user may put other users in: the system roles, and for superusers any group."""
    if _is_platform_admin(user):
        return Group.objects.all()
    return Group.objects.filter(name__in=SYSTEM_ROLES)


def groups_of_company(company_id: int | None) -> QuerySet[Group]:
    """The per-company groups that can hold object permissions on the company's definitions."""
    if company_id is None:
        return Group.objects.none()
    return Group.objects.filter(creators_of_company__pk=company_id)


def groups_visible_to(user) -> QuerySet[Group]:
    """Groups a user may see named (filters, lists): every group for superusers; the system
    roles and their own company's creators group for anyone else."""
    if _is_platform_admin(user):
        return Group.objects.all()
    own = groups_of_company(user.company_id if user.is_authenticated else None)
    return (Group.objects.filter(name__in=SYSTEM_ROLES) | own).order_by("name")
