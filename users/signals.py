"""Receivers of the users app: its system roles after `migrate`, a loaded company's group."""

from django.db.models.signals import post_save

from users.models import Company
from users.services import company_ensure_groups, system_roles_ensure


def system_roles_after_migrate(sender, **kwargs) -> None:
    system_roles_ensure()


def company_groups_on_load(sender, instance, created, raw, **kwargs) -> None:
    # Fixture loading (`loaddata`) saves companies without the services: give each its group.
    if raw:
        company_ensure_groups(company=Company.objects.get(pk=instance.pk))


post_save.connect(company_groups_on_load, sender=Company, dispatch_uid="company_groups_on_load")
