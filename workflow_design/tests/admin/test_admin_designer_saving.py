"""Saving through the designer admin with the test client: a design made in one save, each rule's
error at the right field and row with nothing saved, the company's roles only, the ticket and
transition pages, and the company a superuser chooses."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from ticketflower.testing.factories import (
    CompanyRoleFactory,
    TaskFactory,
    TicketFactory,
    WorkflowFactory,
    simple_workflow,
)
from workflow_design.models import WorkflowDefinition
from workflow_design.tests.admin.designer_pages import (
    ADD_URL,
    APPROVED,
    change_url,
    designer_post,
    errors_in,
    task_row,
    transition_row,
)

pytestmark = pytest.mark.django_db


# A design in one save, each rule's error at its field and row ------------------------------------


def test_transition_naming_another_workflows_task_rejected_at_its_row(client_a, company_a):
    workflow = simple_workflow(company_a, tasks=1)
    TaskFactory(workflow=WorkflowFactory(company=company_a), slug="elsewhere")
    data = designer_post(workflow)
    data.update(
        {
            "transitions-TOTAL_FORMS": str(int(data["transitions-TOTAL_FORMS"]) + 1),
            "transitions-2-from_task": "step-1",
            "transitions-2-to_task": "elsewhere",
            "transitions-2-priority": "5",
        }
    )
    response = client_a.post(change_url(workflow), data)
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][1].formset.forms[2].errors
    assert "no task with the slug “elsewhere”" in " ".join(errors["to_task"])
    assert workflow.transitions.count() == 2


def test_new_workflow_with_tasks_and_branches_in_one_save(client_a, company_a):
    role = CompanyRoleFactory(company=company_a, slug="manager", name="Manager")
    data = designer_post(
        title="Access request",
        slug="access-request",
        tasks=[
            task_row(title="Review", slug="review", position=1, assignee_role=role.pk, output_schema=APPROVED),
            task_row(title="Grant", slug="grant", position=2),
            task_row(title="Refuse", slug="refuse", position=3),
        ],
        transitions=[
            transition_row(to_task="review", priority=1),
            transition_row(from_task="review", to_task="grant", priority=10, condition="output.approved == true"),
            transition_row(from_task="review", to_task="refuse", priority=20, condition="output.approved == false"),
            transition_row(from_task="grant", priority=1),
            transition_row(from_task="refuse", priority=1),
        ],
    )
    response = client_a.post(ADD_URL, data)
    assert response.status_code == 302, errors_in(response.content.decode())
    workflow = WorkflowDefinition.objects.get(slug="access-request")
    assert workflow.company == company_a
    assert list(workflow.tasks.order_by("position").values_list("slug", "assignee_role__slug")) == [
        ("review", "manager"),
        ("grant", None),
        ("refuse", None),
    ]
    branches = workflow.transitions.filter(from_task__slug="review").order_by("priority")
    assert [(t.to_task.slug, t.condition) for t in branches] == [
        ("grant", "output.approved == true"),
        ("refuse", "output.approved == false"),
    ]
    assert workflow.transitions.filter(from_task=None, to_task__slug="review").exists()
    assert workflow.transitions.get(from_task__slug="grant").slug == "grant-to-end"


def test_new_task_and_transition_to_it_in_one_save_on_change_page(client_a, company_a):
    workflow = simple_workflow(company_a, tasks=1)
    rows = [task_row(t) for t in workflow.tasks.all()] + [task_row(title="Check", slug="check", position=5)]
    data = designer_post(workflow, tasks=rows)
    data["transitions-TOTAL_FORMS"] = "3"
    data.update({"transitions-2-from_task": "step-1", "transitions-2-to_task": "check", "transitions-2-priority": "1"})
    response = client_a.post(change_url(workflow), data)
    assert response.status_code == 302, errors_in(response.content.decode())
    assert workflow.transitions.filter(from_task__slug="step-1", to_task__slug="check").exists()


def test_refused_transition_to_a_new_task_saves_nothing_and_marks_the_row(client_a, company_a):
    workflow = simple_workflow(company_a, tasks=1)
    rows = [task_row(t) for t in workflow.tasks.all()] + [task_row(title="Check", slug="check", position=5)]
    data = designer_post(workflow, tasks=rows)
    data["transitions-TOTAL_FORMS"] = "3"
    data.update(
        {
            "transitions-2-from_task": "check",
            "transitions-2-to_task": "",
            "transitions-2-priority": "1",
            "transitions-2-condition": "output.missing == true",
        }
    )
    response = client_a.post(change_url(workflow), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was saved" in html
    row_errors = response.context["inline_admin_formsets"][1].formset.forms[2].errors
    assert "missing" in " ".join(row_errors["condition"])
    assert not workflow.tasks.filter(slug="check").exists()
    assert 'value="check"' in html  # the user's input is kept


def test_invalid_field_name_in_task_output_form_shown_at_that_task(client_a, company_a):
    workflow = simple_workflow(company_a, tasks=2)
    rows = [task_row(t) for t in workflow.tasks.order_by("position")]
    rows[1]["output_schema"] = [{"name": "Bad Name", "label": "Bad", "type": "text"}]
    response = client_a.post(change_url(workflow), designer_post(workflow, tasks=rows))
    assert response.status_code == 200
    forms = response.context["inline_admin_formsets"][0].formset.forms
    assert not forms[0].errors
    assert "Field 1 (Bad Name): the name must start with a lower-case letter" in " ".join(
        forms[1].errors["output_schema"]
    )
    assert workflow.tasks.get(slug="step-2").output_schema == []


def test_task_output_form_saved_in_the_order_given(client_a, company_a):
    workflow = simple_workflow(company_a, tasks=1)
    fields = [
        {"name": "zeta", "label": "Zeta", "type": "text"},
        {"name": "alpha", "label": "Alpha", "type": "choice", "choices": [{"value": "a", "label": "A"}]},
    ]
    rows = [task_row(workflow.tasks.get(), output_schema=fields)]
    response = client_a.post(change_url(workflow), designer_post(workflow, tasks=rows))
    assert response.status_code == 302
    assert [f["name"] for f in workflow.tasks.get().output_schema] == ["zeta", "alpha"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ([{"name": "x", "label": "X", "type": "text"}, {"name": "x", "label": "Y", "type": "text"}], "used twice"),
        ([{"name": "c", "label": "C", "type": "choice"}], "needs at least one choice"),
        ([{"name": "t", "label": "T", "type": "text", "choices": [{"value": "a"}]}], "only choice fields"),
        ([{"name": "n", "label": "N", "type": "integer", "min": 5, "max": 1}], "greater than max"),
    ],
)
def test_workflow_field_rules_rejected_at_fields(client_a, company_a, fields, message):
    workflow = WorkflowFactory(company=company_a)
    response = client_a.post(change_url(workflow), designer_post(workflow, fields=fields))
    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors["fields"])


def test_workflow_fields_accepted_and_json_schema_shown(client_a, company_a):
    workflow = WorkflowFactory(company=company_a)
    fields = [{"name": "sla_days", "label": "SLA days", "type": "integer", "min": 1, "max": 30}]
    response = client_a.post(change_url(workflow), designer_post(workflow, fields=fields))
    assert response.status_code == 302
    html = client_a.get(change_url(workflow)).content.decode()
    assert "generated JSON Schema" in html
    assert "&quot;sla_days&quot;: {" in html and "&quot;maximum&quot;: 30" in html


def test_ext_ref_and_layout_rules_at_their_fields(client_a, company_a):
    workflow = WorkflowFactory(company=company_a, fields=[{"name": "sla", "label": "SLA", "type": "integer"}])
    data = designer_post(
        workflow,
        ext_ref=[{"system": "jira", "reference": "IT-1", "url": "ftp://x"}],
        display_layout=[{"title": "Main", "fields": ["sla", "ghost"]}],
    )
    response = client_a.post(change_url(workflow), data)
    errors = response.context["adminform"].form.errors
    assert "is not an http(s) URL" in " ".join(errors["ext_ref"])
    assert "'ghost'" in " ".join(errors["display_layout"])
    good = designer_post(
        workflow,
        ext_ref=[{"system": "jira", "reference": "IT-1", "url": "https://jira.example/IT-1"}],
        display_layout=[{"title": "Main", "fields": ["sla"]}],
    )
    assert client_a.post(change_url(workflow), good).status_code == 302
    workflow.refresh_from_db()
    assert workflow.display_layout == [{"title": "Main", "fields": ["sla"]}]


# Roles of the company ----------------------------------------------------------------------------


def test_task_with_another_companys_role_rejected_at_its_row(client_a, company_a, company_b):
    foreign = CompanyRoleFactory(company=company_b, slug="foreign")
    own = CompanyRoleFactory(company=company_a, slug="own")
    workflow = simple_workflow(company_a, tasks=1)
    rows = [task_row(workflow.tasks.get(), assignee_role=foreign.pk)]
    response = client_a.post(change_url(workflow), designer_post(workflow, tasks=rows))
    assert "Select a valid choice" in " ".join(
        response.context["inline_admin_formsets"][0].formset.forms[0].errors["assignee_role"]
    )
    rows = [task_row(workflow.tasks.get(), assignee_role=own.pk)]
    assert client_a.post(change_url(workflow), designer_post(workflow, tasks=rows)).status_code == 302
    assert workflow.tasks.get().assignee_role == own


# The ticket and transition pages -----------------------------------------------------------------


def ticket_post(ticket, **values) -> dict:
    data = {
        "title": ticket.title,
        "slug": ticket.slug,
        "description": "",
        "workflow": ticket.workflow_id,
        "ext_ref": "[]",
        "fields": json.dumps(ticket.fields),
        "company_role_access": "[]",
        "edit_layout": "[]",
        "display_layout": "[]",
    }
    data.update({k: json.dumps(v) if isinstance(v, list) else v for k, v in values.items()})
    return data


def test_ticket_role_access_offers_and_accepts_only_company_roles(client_a, company_a, company_b):
    CompanyRoleFactory(company=company_a, name="Employee", slug="employee")
    CompanyRoleFactory(company=company_b, name="Outsider", slug="outsider")
    ticket = TicketFactory(company=company_a, workflow=WorkflowFactory(company=company_a))
    url = reverse("admin:workflow_design_ticketdefinition_change", args=[ticket.pk])
    html = client_a.get(url).content.decode()
    assert "&quot;value&quot;: &quot;employee&quot;" in html and "outsider" not in html
    response = client_a.post(url, ticket_post(ticket, company_role_access=["outsider"]))
    assert "Unknown company role(s): outsider" in " ".join(
        response.context["adminform"].form.errors["company_role_access"]
    )
    assert client_a.post(url, ticket_post(ticket, company_role_access=["employee"])).status_code == 302
    ticket.refresh_from_db()
    assert ticket.company_role_access == ["employee"]


def test_ticket_layout_names_unknown_field(client_a, company_a):
    ticket = TicketFactory(
        company=company_a,
        workflow=WorkflowFactory(company=company_a),
        fields=[{"name": "summary", "label": "Summary", "type": "text"}],
    )
    url = reverse("admin:workflow_design_ticketdefinition_change", args=[ticket.pk])
    response = client_a.post(url, ticket_post(ticket, edit_layout=[{"title": "Top", "fields": ["summery"]}]))
    assert "'summery'" in " ".join(response.context["adminform"].form.errors["edit_layout"])


def test_transition_page_edits_its_transition(client_a, company_a):
    workflow = simple_workflow(company_a, tasks=2)
    transition = workflow.transitions.get(from_task__slug="step-1")
    url = reverse("admin:workflow_design_workflowtransition_change", args=[transition.pk])
    form = client_a.get(url).context["adminform"].form
    assert {"from_task", "to_task", "condition", "priority", "slug", "opened_revision"} <= set(form.fields)
    assert "workflow" not in form.fields  # a transition stays in its workflow
    data = {
        "slug": transition.slug,
        "from_task": transition.from_task_id,
        "to_task": transition.to_task_id or "",
        "condition": "",
        "priority": "7",
        "opened_revision": form["opened_revision"].value(),
    }
    response = client_a.post(url, data)
    assert response.status_code == 302, errors_in(response.content.decode())
    transition.refresh_from_db()
    assert transition.priority == 7 and transition.workflow_id == workflow.pk


# Superusers choose the company -------------------------------------------------------------------


def test_superuser_creates_workflow_in_chosen_company(client, superuser, company_b):
    client.force_login(superuser)
    data = designer_post(title="Globex flow", slug="globex-flow", tasks=[task_row(title="Only", slug="only")])
    data["company"] = company_b.pk
    response = client.post(ADD_URL, data)
    assert response.status_code == 302, errors_in(response.content.decode())
    workflow = WorkflowDefinition.objects.get(slug="globex-flow")
    assert workflow.company == company_b
    assert workflow.tasks.get().company == company_b


def test_superuser_without_company_told_to_choose_one(client, superuser):
    client.force_login(superuser)
    response = client.post(ADD_URL, designer_post(title="Nowhere flow", slug="nowhere-flow"))
    assert response.status_code == 200
    assert "Choose the company the new definition belongs to." in " ".join(
        response.context["adminform"].form.errors["company"]
    )
    assert not WorkflowDefinition.objects.filter(slug="nowhere-flow").exists()
