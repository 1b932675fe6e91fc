"""The designer admin with the test client: one-page workflow design, editors, rules and their
errors at the right field and row, changelists, read-only published workflows, query counts."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from ticketflower.testing.factories import (
    CompanyRoleFactory,
    TaskFactory,
    TicketFactory,
    TransitionFactory,
    WorkflowFactory,
    simple_workflow,
)
from workflow_design.models import DefinitionStatus, WorkflowDefinition
from workflow_design.tests.admin.designer_pages import (
    ADD_URL,
    change_url,
    designer_post,
    errors_in,
    task_row,
    transition_row,
)

pytestmark = pytest.mark.django_db

APPROVED = [{"name": "approved", "label": "Approved", "type": "boolean", "required": True}]


# The one-page designer ----------------------------------------------------------------------


def test_workflow_page_shows_tasks_in_order_and_transitions_grouped(client_a, company_a):
    workflow = WorkflowFactory(company=company_a)
    second = TaskFactory(workflow=workflow, title="Second", slug="second", position=20)
    first = TaskFactory(workflow=workflow, title="First", slug="first", position=10)
    TransitionFactory(workflow=workflow, from_task=second, to_task=None, priority=1, slug="second-end")
    TransitionFactory(workflow=workflow, from_task=first, to_task=second, priority=20, slug="first-b")
    TransitionFactory(workflow=workflow, from_task=first, to_task=None, priority=10, slug="first-a")
    TransitionFactory(workflow=workflow, from_task=None, to_task=first, priority=5, slug="begin")
    html = client_a.get(change_url(workflow)).content.decode()
    assert html.index('value="First"') < html.index('value="Second"')
    order = [html.index(f'value="{slug}"') for slug in ("begin", "first-a", "first-b", "second-end")]
    assert order == sorted(order)
    assert 'placeholder="start"' in html and 'placeholder="end"' in html


def test_transition_task_list_holds_only_this_workflows_tasks(client_a, company_a):
    workflow = simple_workflow(company_a, tasks=2)
    other = WorkflowFactory(company=company_a)
    TaskFactory(workflow=other, slug="elsewhere")
    html = client_a.get(change_url(workflow)).content.decode()
    datalist = re.search(r'<datalist id="wd-task-slugs">(.*?)</datalist>', html, flags=re.S).group(1)
    assert 'value="step-1"' in datalist and 'value="step-2"' in datalist
    assert "elsewhere" not in datalist


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


def test_editors_are_form_builders_with_one_shared_schema(client_a, company_a):
    workflow = simple_workflow(company_a, tasks=3)
    html = client_a.get(change_url(workflow)).content.decode()
    assert html.count('id="wd-editor-schemas"') == 1
    # The workflow's fields, each task's output form, and the one of the "add another task" row.
    assert html.count("&quot;schemaRef&quot;:&quot;field_list&quot;") == 1 + 3 + 1
    schemas = json.loads(re.search(r'id="wd-editor-schemas"[^>]*>(.*?)</script>', html, flags=re.S).group(1))
    keys = schemas["field_list"]["items"]["keys"]
    assert [c["value"] for c in keys["type"]["choices"]] == [
        "text",
        "long_text",
        "integer",
        "number",
        "boolean",
        "date",
        "datetime",
        "email",
        "choice",
        "multiple_choice",
    ]
    assert {"name", "label", "required", "help_text", "choices", "min", "max", "max_length", "default"} <= set(keys)
    # The shim that hands the named schema over loads after the editor library, before its start.
    scripts = re.findall(r'<script src="/static/([^"]+)"', html)
    assert scripts.index("django_jsonform/react-json-form.js") < scripts.index("workflow_design/shared_schema.js")
    assert scripts.index("workflow_design/shared_schema.js") < scripts.index("django_jsonform/index.js")


# Assignment and role access -------------------------------------------------------------------


def test_task_role_choices_are_the_companys_roles(client_a, company_a, company_b):
    CompanyRoleFactory(company=company_a, name="Approver", slug="approver")
    CompanyRoleFactory(company=company_b, name="Foreign role", slug="foreign")
    workflow = simple_workflow(company_a, tasks=1)
    html = client_a.get(change_url(workflow)).content.decode()
    assert ">Approver</option>" in html
    assert "Foreign role" not in html


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


def test_task_page_shows_output_json_schema(client_a, company_a):
    task = TaskFactory(workflow=WorkflowFactory(company=company_a), output_schema=APPROVED)
    html = client_a.get(reverse("admin:workflow_design_taskdefinition_change", args=[task.pk])).content.decode()
    assert "JSON Schema of the output form" in html
    assert "&quot;approved&quot;: {" in html and "&quot;type&quot;: &quot;boolean&quot;" in html


# Published workflows, diagram, permissions link --------------------------------------------------


def test_published_workflow_inlines_are_read_only(client_a, company_a):
    workflow = simple_workflow(company_a, tasks=2)
    WorkflowDefinition.objects.filter(pk=workflow.pk).update(status=DefinitionStatus.PUBLISHED)
    html = client_a.get(change_url(workflow)).content.decode()
    assert 'name="tasks-0-title"' not in html and 'name="transitions-0-priority"' not in html
    assert 'id="tasks-empty"' not in html and 'id="transitions-empty"' not in html and "-DELETE" not in html
    assert "Step 2" in html
    response = client_a.post(change_url(workflow), designer_post(workflow))
    assert response.status_code == 403


def test_change_page_shows_diagram_and_lint_panel(client_a, company_a):
    workflow = simple_workflow(company_a, tasks=2)
    html = client_a.get(change_url(workflow)).content.decode()
    assert 'id="workflow-diagram"' in html and "<svg" in html and ">Step 2</text>" in html
    assert reverse("admin:workflow_design_workflowdefinition_diagram", args=[workflow.pk]) in html
    assert 'id="lint-panel"' in html


def test_diagram_changes_with_the_save(client_a, company_a):
    workflow = simple_workflow(company_a, tasks=1)
    rows = [task_row(workflow.tasks.get(), title="Renamed step")]
    client_a.post(change_url(workflow), designer_post(workflow, tasks=rows))
    assert ">Renamed step</text>" in client_a.get(change_url(workflow)).content.decode()


def test_object_permissions_link_only_for_company_admins(client, creator_a, company_admin_a, company_a):
    workflow = simple_workflow(company_a, tasks=1)
    client.force_login(creator_a)
    assert "Object permissions" not in client.get(change_url(workflow)).content.decode()
    client.force_login(company_admin_a)
    assert "Object permissions" in client.get(change_url(workflow)).content.decode()


def test_other_companys_workflow_page_is_404(client, creator_b, company_a):
    workflow = simple_workflow(company_a, tasks=1)
    client.force_login(creator_b)
    assert client.get(change_url(workflow)).status_code == 404


# Changelists ------------------------------------------------------------------------------------


def test_workflow_changelist_columns_search_and_status_filter(client_a, company_a, company_b):
    simple_workflow(company_a, tasks=3)
    other = WorkflowFactory(company=company_a, title="Purchase", slug="purchase")
    WorkflowDefinition.objects.filter(pk=other.pk).update(status=DefinitionStatus.PUBLISHED)
    WorkflowFactory(company=company_b, title="Hidden flow")
    url = reverse("admin:workflow_design_workflowdefinition_changelist")
    response = client_a.get(url)
    html = response.content.decode()
    assert "Hidden flow" not in html
    result = response.context["cl"].result_list
    counts = {w.slug: (w.task_total, w.transition_total) for w in result}
    assert counts["purchase"] == (0, 0) and (3, 4) in counts.values()
    assert [w.slug for w in client_a.get(url, {"q": "purch"}).context["cl"].result_list] == ["purchase"]
    assert [w.slug for w in client_a.get(url, {"status__exact": "published"}).context["cl"].result_list] == ["purchase"]


def test_task_changelist_workflow_filter_lists_only_own_workflows(client_a, company_a, company_b):
    mine = simple_workflow(company_a, tasks=2)
    simple_workflow(company_a, tasks=1)
    WorkflowFactory(company=company_b, title="Foreign flow")
    url = reverse("admin:workflow_design_taskdefinition_changelist")
    response = client_a.get(url, {"workflow": mine.pk})
    assert "Foreign flow" not in response.content.decode()
    assert sorted(t.slug for t in response.context["cl"].result_list) == ["step-1", "step-2"]


def test_transition_and_ticket_changelists_filter_by_workflow(client_a, company_a):
    mine = simple_workflow(company_a, tasks=2)
    other = simple_workflow(company_a, tasks=1)
    TicketFactory(company=company_a, workflow=mine, slug="ticket-mine")
    TicketFactory(company=company_a, workflow=other, slug="ticket-other")
    response = client_a.get(reverse("admin:workflow_design_workflowtransition_changelist"), {"workflow": other.pk})
    assert {t.workflow_id for t in response.context["cl"].result_list} == {other.pk}
    response = client_a.get(reverse("admin:workflow_design_ticketdefinition_changelist"), {"workflow": mine.pk})
    assert [t.slug for t in response.context["cl"].result_list] == ["ticket-mine"]


# Constant queries and page size ------------------------------------------------------------------


def _big_workflow(company, tasks: int, transitions_per_task: int = 3):
    role = CompanyRoleFactory(company=company)
    workflow = WorkflowFactory(company=company)
    made = [
        TaskFactory(
            workflow=workflow, slug=f"t{i}", title=f"Task {i}", position=i, assignee_role=role, output_schema=APPROVED
        )
        for i in range(tasks)
    ]
    TransitionFactory(workflow=workflow, from_task=None, to_task=made[0], priority=1)
    for i, task in enumerate(made):
        targets = [made[(i + k) % tasks] for k in range(1, transitions_per_task)] + [None]
        for priority, target in enumerate(targets, start=1):
            condition = "output.approved == true" if priority == 1 else ""
            TransitionFactory(workflow=workflow, from_task=task, to_task=target, priority=priority, condition=condition)
    return workflow


def test_change_page_queries_constant_and_html_small(client_a, company_a, django_assert_max_num_queries):
    small = _big_workflow(company_a, 5)
    large = _big_workflow(company_a, 200)
    assert large.transitions.count() == 601
    client_a.get(change_url(small))  # warm caches (content types, sessions)
    with django_assert_max_num_queries(30) as small_queries:
        small_html = client_a.get(change_url(small)).content
    with django_assert_max_num_queries(30) as large_queries:
        response = client_a.get(change_url(large))
    assert len(large_queries.captured_queries) == len(small_queries.captured_queries)
    html = response.content
    assert html.count(b'name="transitions-') >= 601 * 5
    assert len(html) < 2 * 1024 * 1024, len(html)
    assert len(small_html) < len(html)
    # The task list of the transition rows is on the page once; each from/to input (601 rows
    # and the empty row) refers to it instead of carrying 200 options of its own.
    assert html.count(b'<datalist id="wd-task-slugs">') == 1
    assert html.count(b'list="wd-task-slugs"') == 2 * (601 + 1)
    assert b'<select name="transitions-' not in html
    datalist = re.search(rb'<datalist id="wd-task-slugs">(.*?)</datalist>', html, flags=re.S).group(1)
    assert datalist.count(b"<option") == 200
    # All options of the page (the list, the type and role choices of the task rows) stay
    # fewer than two per transition row; a choice list per row would be 601 × 200 options.
    assert html.count(b"<option") < 601 * 2


def _inline_rows(html: str) -> list[str]:
    return re.findall(r"<tbody>(.*?)</tbody>", html, flags=re.S)


def test_saved_rows_written_as_their_forms_would_write_them(client_a, company_a, monkeypatch):
    """A page opened for editing writes saved rows from one plan per table, not a form per row:
    the rows must be the ones the forms would write, values and escaping included."""
    from workflow_design.fast.designer_rows import DesignerInlineAdminFormSet

    role = CompanyRoleFactory(company=company_a, name="Reviewer <lead>")
    workflow = WorkflowFactory(company=company_a)
    first = TaskFactory(
        workflow=workflow, title='Check "A" & <B>', slug="check", position=1, assignee_role=role, output_schema=APPROVED
    )
    second = TaskFactory(workflow=workflow, title="Done", slug="done", position=2)
    TransitionFactory(workflow=workflow, from_task=None, to_task=first, priority=1, slug="begin")
    TransitionFactory(
        workflow=workflow,
        from_task=first,
        to_task=second,
        priority=10,
        condition='output.approved == true && "<x>" != ""',
    )
    TransitionFactory(workflow=workflow, from_task=second, to_task=None, priority=3, slug="finish")

    planned = client_a.get(change_url(workflow)).content.decode()
    monkeypatch.setattr(DesignerInlineAdminFormSet, "light_rows", False)
    from_forms = client_a.get(change_url(workflow)).content.decode()
    assert _inline_rows(planned) == _inline_rows(from_forms)
    rows = "".join(_inline_rows(planned))
    assert "Check &quot;A&quot; &amp; &lt;B&gt;" in rows and "Reviewer &lt;lead&gt;</option>" in rows
    assert "&quot;&lt;x&gt;&quot;" in rows and 'value="check"' in rows


def test_saved_rows_need_no_form_each(client_a, company_a, monkeypatch):
    """Opened for editing, the page builds forms for the empty row of each table, not per saved row."""
    from workflow_design.admin import forms as designer_forms

    built = []
    for form_class in (designer_forms.TaskDefinitionForm, designer_forms.TransitionRowForm):
        original = form_class.__init__

        def counting(self, *args, original=original, **kwargs):
            built.append(type(self).__name__)
            original(self, *args, **kwargs)

        monkeypatch.setattr(form_class, "__init__", counting)
    workflow = _big_workflow(company_a, 20)
    response = client_a.get(change_url(workflow))
    assert response.status_code == 200
    assert response.content.count(b'class="form-row has_original"') == 20 + 61
    assert len(built) <= 10, built  # a few empty rows per table, not 81 saved ones


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
