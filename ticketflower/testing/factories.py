"""factory_boy factories. Definitions are made through the services, as every real path does."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group
from django.utils.text import slugify

from users.models import Company, CompanyRole, User
from users.roles import COMPANY_ADMIN, WORKFLOW_CREATOR
from users.services import company_ensure_groups, user_sync_company_groups
from workflow_design import services

TEST_PASSWORD = "pw-Test-12345"


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.Sequence(lambda n: f"company-{n}")

    @factory.post_generation
    def groups(obj, create, extracted, **kwargs):
        if create:
            company_ensure_groups(company=obj)


class CompanyRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompanyRole

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Role {n}")
    slug = factory.Sequence(lambda n: f"role-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    company = factory.SubFactory(CompanyFactory)
    is_staff = True
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        if not create:
            return
        names = []
        if obj.__dict__.get("_creator"):
            names.append(WORKFLOW_CREATOR)
        if obj.__dict__.get("_company_admin"):
            names.append(COMPANY_ADMIN)
        if names:
            obj.groups.add(*Group.objects.filter(name__in=names))
        user_sync_company_groups(user=obj)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        creator = kwargs.pop("creator", False)
        company_admin = kwargs.pop("company_admin", False)
        obj = super()._create(model_class, *args, **kwargs)
        obj._creator = creator
        obj._company_admin = company_admin
        return obj


class DefinitionFactory(factory.django.DjangoModelFactory):
    """A definition made by its create service, as every real path makes it, so that its object
    permissions, slug checks and audit entry exist. `created_by` names the acting user."""

    class Meta:
        abstract = True

    # The create function of `workflow_design.services` that makes the row.
    _service = ""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return getattr(services, cls._service)(user=kwargs.pop("created_by", None), **kwargs)


class TitledDefinitionFactory(DefinitionFactory):
    """A definition with a title and slug of its own, numbered: "Workflow 3", "workflow-3"."""

    class Meta:
        abstract = True

    class Params:
        noun = "Definition"

    title = factory.LazyAttributeSequence(lambda o, n: f"{o.noun} {n}")
    slug = factory.LazyAttributeSequence(lambda o, n: f"{slugify(o.noun)}-{n}")


class WorkflowFactory(TitledDefinitionFactory):
    """A draft workflow made by `workflow_create`."""

    class Meta:
        model = "workflow_design.WorkflowDefinition"

    class Params:
        noun = "Workflow"

    _service = "workflow_create"
    company = factory.SubFactory(CompanyFactory)


class TaskFactory(TitledDefinitionFactory):
    class Meta:
        model = "workflow_design.TaskDefinition"

    class Params:
        noun = "Task"

    _service = "task_create"
    workflow = factory.SubFactory(WorkflowFactory)
    position = factory.Sequence(lambda n: n)


class TransitionFactory(DefinitionFactory):
    class Meta:
        model = "workflow_design.WorkflowTransition"

    _service = "transition_create"
    from_task = None
    to_task = None
    workflow = factory.LazyAttribute(
        lambda o: (o.from_task or o.to_task).workflow if (o.from_task or o.to_task) else WorkflowFactory()
    )
    priority = 10


class TicketFactory(TitledDefinitionFactory):
    class Meta:
        model = "workflow_design.TicketDefinition"

    class Params:
        noun = "Ticket type"

    _service = "ticket_create"
    workflow = factory.SubFactory(WorkflowFactory)
    company = factory.LazyAttribute(lambda o: o.workflow.company)


def simple_workflow(company, *, tasks: int = 2, user=None):
    """start → t1 → … → tN → end, drafts made through the services."""
    workflow = WorkflowFactory(company=company, created_by=user)
    made = [
        TaskFactory(workflow=workflow, slug=f"step-{i}", title=f"Step {i}", position=i) for i in range(1, tasks + 1)
    ]
    TransitionFactory(workflow=workflow, from_task=None, to_task=made[0])
    for a, b in zip(made, made[1:], strict=False):
        TransitionFactory(workflow=workflow, from_task=a, to_task=b)
    TransitionFactory(workflow=workflow, from_task=made[-1], to_task=None)
    return workflow
