"""Fixture loading (`loaddata`) saves rows without services; these receivers grant the same
object permissions every other creation path grants, so a loaded demo is usable at once."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from users.models import Company
from users.services import company_ensure_groups
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.services import definitions_grant_company_access


@receiver(post_save, sender=Company, dispatch_uid="company_groups_on_load")
def company_groups_on_load(sender, instance, created, raw, **kwargs):
    if raw:
        company_ensure_groups(company=Company.objects.get(pk=instance.pk))


def _grant_on_load(sender, instance, raw, **kwargs):
    if raw:
        definitions_grant_company_access(objects=[type(instance).objects.get(pk=instance.pk)])


for _model in (WorkflowDefinition, TaskDefinition, WorkflowTransition, TicketDefinition):
    post_save.connect(_grant_on_load, sender=_model, dispatch_uid=f"grant_on_load_{_model.__name__}")
