import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from users.roles import COMPANY_ADMIN, SYSTEM_ROLES


@pytest.mark.django_db
def test_company_admin_group_manages_users_and_roles_only():
    group = Group.objects.get(name=COMPANY_ADMIN)
    codenames = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert ("users", "change_user") in codenames
    assert ("users", "add_companyrole") in codenames
    assert ("users", "change_company") not in codenames
    assert {app for app, _ in codenames} == {"users"}


@pytest.mark.django_db
def test_system_roles_come_back_after_migrate():
    Group.objects.filter(name__in=SYSTEM_ROLES).delete()
    call_command("migrate", verbosity=0)
    assert set(Group.objects.filter(name__in=SYSTEM_ROLES).values_list("name", flat=True)) == set(SYSTEM_ROLES)
    assert Group.objects.get(name=COMPANY_ADMIN).permissions.filter(codename="change_user").exists()
