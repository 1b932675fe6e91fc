"""Writes for companies, users and company roles."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from .models import Company, CompanyRole, User
from .roles import WORKFLOW_CREATOR, company_creators_group_name


@transaction.atomic
def company_ensure_groups(*, company: Company) -> Group:
    """Give the company its workflow-creators group (idempotent) and return it."""
    if company.creators_group_id is not None:
        return company.creators_group
    group, _ = Group.objects.get_or_create(name=company_creators_group_name(company.slug))
    Company.objects.filter(pk=company.pk).update(creators_group=group)
    company.creators_group = group
    return group


@transaction.atomic
def company_create(*, name: str, slug: str) -> Company:
    company = Company(name=name, slug=slug)
    company.full_clean()
    company.save()
    company_ensure_groups(company=company)
    return company


@transaction.atomic
def company_update(*, company: Company, name: str, slug: str) -> Company:
    company.name = name
    company.slug = slug
    company.full_clean()
    company.save()
    company_ensure_groups(company=company)
    if company.creators_group.name != company_creators_group_name(slug):
        company.creators_group.name = company_creators_group_name(slug)
        company.creators_group.save(update_fields=["name"])
    return company


@transaction.atomic
def user_sync_company_groups(*, user: User) -> None:
    """Keep the user's membership of company groups in step with their company and roles.

    A workflow creator is a member of their company's creators group, which holds the
    object permissions on the company's definitions; nobody is a member of another
    company's group.
    """
    creator_groups = Group.objects.filter(creators_of_company__isnull=False)
    wanted: set[int] = set()
    if user.company_id is not None and user.groups.filter(name=WORKFLOW_CREATOR).exists():
        wanted.add(company_ensure_groups(company=user.company).pk)
    current = set(user.groups.filter(pk__in=creator_groups).values_list("pk", flat=True))
    if current - wanted:
        user.groups.remove(*(current - wanted))
    if wanted - current:
        user.groups.add(*(wanted - current))


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None,
    company: Company | None,
    full_name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
    system_roles: list[str] | tuple[str, ...] = (),
    company_roles: list[CompanyRole] | tuple[CompanyRole, ...] = (),
) -> User:
    user = User(
        email=email,
        company=company,
        full_name=full_name,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    if system_roles:
        user.groups.add(*Group.objects.filter(name__in=system_roles))
    if company_roles:
        user_set_company_roles(user=user, company_roles=company_roles)
    user_sync_company_groups(user=user)
    return user


@transaction.atomic
def user_set_company_roles(*, user: User, company_roles) -> None:
    from django.core.exceptions import ValidationError

    foreign = [role for role in company_roles if role.company_id != user.company_id]
    if foreign:
        raise ValidationError({"company_roles": "Choose roles of the user's own company."})
    user.company_roles.set(company_roles)


@transaction.atomic
def company_role_create(*, company: Company, name: str, slug: str, description: str = "") -> CompanyRole:
    role = CompanyRole(company=company, name=name, slug=slug, description=description)
    role.full_clean()
    role.save()
    return role


@transaction.atomic
def system_roles_ensure() -> None:
    """Create the system-role groups, and the company admin's model permissions (idempotent).

    The data migration creates them once; this runs after every `migrate` and `flush` too, so
    a database emptied by `flush` (as transactional tests do) gets them back. The apps whose
    models a role works on give the role their own permissions (`workflow_creator`: the design
    app's).
    """
    from django.contrib.auth.models import Permission

    from .roles import COMPANY_ADMIN, COMPANY_ADMIN_MODELS, SYSTEM_ROLES

    groups = {name: Group.objects.get_or_create(name=name)[0] for name in SYSTEM_ROLES}
    groups[COMPANY_ADMIN].permissions.add(
        *Permission.objects.filter(
            content_type__app_label="users",
            codename__in=[f"{a}_{m}" for m in COMPANY_ADMIN_MODELS for a in ("add", "change", "delete", "view")],
        )
    )
