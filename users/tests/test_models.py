import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ticketflower.testing.factories import CompanyFactory, CompanyRoleFactory, UserFactory
from users.models import Company, CompanyRole, User


def test_user_model_has_no_username_field():
    assert User.USERNAME_FIELD == "email"
    assert "username" not in {f.name for f in User._meta.get_fields()}


@pytest.mark.django_db
def test_create_user_normalises_email_and_checks_password():
    company = CompanyFactory()
    user = User.objects.create_user(email="Jane.Doe@Example.COM", password="s3cret-Pass!", company=company)
    assert user.email == "jane.doe@example.com"
    assert user.check_password("s3cret-Pass!")
    assert User.objects.get_by_natural_key("JANE.DOE@example.com") == user


@pytest.mark.django_db
def test_user_without_company_rejected_unless_superuser():
    user = User(email="nobody@example.com")
    with pytest.raises(ValidationError) as excinfo:
        user.full_clean(exclude=["password"])
    assert "Every user except a superuser belongs to a company." in excinfo.value.message_dict["company"]
    superuser = User(email="root@example.com", is_superuser=True, is_staff=True)
    superuser.full_clean(exclude=["password"])  # accepted


@pytest.mark.django_db
def test_user_without_company_rejected_by_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="orphan@example.com", password="x")


@pytest.mark.django_db
def test_company_role_slug_unique_per_company_with_message():
    role = CompanyRoleFactory(slug="manager")
    CompanyRoleFactory(slug="manager")  # another company: accepted
    duplicate = CompanyRole(company=role.company, name="Manager 2", slug="manager")
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert "This company already has a role with this slug." in str(excinfo.value)


@pytest.mark.django_db
def test_natural_keys_round_trip():
    company = CompanyFactory(slug="acme")
    role = CompanyRoleFactory(company=company, slug="it-support")
    user = UserFactory(company=company, email="carl@acme.example")
    assert Company.objects.get_by_natural_key(*company.natural_key()) == company
    assert CompanyRole.objects.get_by_natural_key(*role.natural_key()) == role
    assert role.natural_key() == ("acme", "it-support")
    assert User.objects.get_by_natural_key(*user.natural_key()) == user


@pytest.mark.django_db
def test_createsuperuser_asks_for_email_only(monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Very-strong-pass-1")
    call_command("createsuperuser", "--noinput", "--email", "boss@example.com", verbosity=0)
    boss = User.objects.get(email="boss@example.com")
    assert boss.is_superuser and boss.is_staff and boss.company is None
    assert boss.check_password("Very-strong-pass-1")


@pytest.mark.django_db
def test_system_roles_read_once_per_user_object(django_assert_num_queries):
    user = UserFactory(company=CompanyFactory(), creator=True)
    user = User.objects.get(pk=user.pk)

    with django_assert_num_queries(1):
        checks = [user.is_workflow_creator, user.is_company_admin, user.is_workflow_creator]

    assert checks == [True, False, True]


@pytest.mark.django_db
def test_system_roles_see_a_change_made_through_the_user():
    from django.contrib.auth.models import Group

    from users import roles

    user = UserFactory(company=CompanyFactory(), creator=True)
    assert user.is_workflow_creator and not user.is_company_admin

    user.groups.add(Group.objects.get(name=roles.COMPANY_ADMIN))
    user.groups.remove(Group.objects.get(name=roles.WORKFLOW_CREATOR))

    assert user.is_company_admin
    assert not user.is_workflow_creator
