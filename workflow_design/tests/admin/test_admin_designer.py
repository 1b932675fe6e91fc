"""What the designer admin shows, with the test client: the one-page workflow design, its editors,
read-only published workflows, the diagram, changelists, and a page whose queries and size do not
grow with the workflow."""

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
from workflow_design.tests.admin.designer_pages import APPROVED, change_url, designer_post, long_workflow, task_row

pytestmark = pytest.mark.django_db


# The one-page designer ---------------------------------------------------------------------------


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


def test_task_role_choices_are_the_companys_roles(client_a, company_a, company_b):
    CompanyRoleFactory(company=company_a, name="Approver", slug="approver")
    CompanyRoleFactory(company=company_b, name="Foreign role", slug="foreign")
    workflow = simple_workflow(company_a, tasks=1)
    html = client_a.get(change_url(workflow)).content.decode()
    assert ">Approver</option>" in html
    assert "Foreign role" not in html


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


# Changelists -------------------------------------------------------------------------------------


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


def test_change_page_queries_constant_and_html_small(client_a, company_a, django_assert_max_num_queries):
    small = long_workflow(company_a, 5)
    large = long_workflow(company_a, 200)
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
    # Past 40 rows a table is drawn when it comes into view; a short one at once.
    assert html.count(b"inline-group wd-long-table") == 2
    assert b"wd-long-table" not in small_html
    # The task list of the transition rows is on the page once; each from/to input (601 rows
    # and the empty row) refers to it instead of carrying 200 options of its own.
    assert html.count(b'<datalist id="wd-task-slugs">') == 1
    assert html.count(b'list="wd-task-slugs"') == 2 * (601 + 1)
    assert b'<select name="transitions-' not in html
    datalist = re.search(rb'<datalist id="wd-task-slugs">(.*?)</datalist>', html, flags=re.S).group(1)
    assert datalist.count(b"<option") == 200
    # Each from/to list is written holding only the task it names (filled when opened).
    pickers = re.findall(rb'<select class="wd-task-pick"[^>]*>(.*?)</select>', html, flags=re.S)
    assert len(pickers) == 2 * (601 + 1)
    assert all(picker.count(b"<option") == 1 for picker in pickers)
    # The page's other options (the list, the type and role choices of the task rows) stay
    # fewer than two per transition row; a choice list per row would be 601 × 200 options.
    assert html.count(b"<option") - len(pickers) < 601 * 2


def _inline_rows(html: str) -> list[str]:
    return re.findall(r"<tbody>(.*?)</tbody>", html, flags=re.S)


def test_transition_rows_show_their_tasks_by_title_as_written(client_a, company_a):
    # Given a workflow whose rows the page writes without a script
    workflow = long_workflow(company_a, 3)
    html = client_a.get(change_url(workflow)).content.decode()
    (transitions_table,) = [rows for rows in _inline_rows(html) if 'id="transitions-0"' in rows]
    cells = []
    for side, cell in re.findall(r'<td class="field-(from|to)_task">(.*?)</td>', transitions_table):
        value = re.search(r'<input [^>]*name="[^"]*"(?: value="([^"]*)")?', cell).group(1) or ""
        options = re.findall(r'<select class="wd-task-pick"[^>]*>(.*?)</select>', cell)
        assert len(options) == 1, cell
        cells.append(
            (side, value, *re.fullmatch(r'<option value="([^"]*)" selected>([^<]*)</option>', options[0]).groups())
        )
    # Then every from/to list holds the one task its input names, by title; start and end by name
    assert len(cells) == 2 * (workflow.transitions.count() + 1)  # the rows and the empty row
    assert all(value == option for _side, value, option, _shown in cells)
    shown = {(side, value, title) for side, value, _option, title in cells}
    assert {("from", "t0", "Task 0"), ("to", "t2", "Task 2"), ("from", "", "— start —"), ("to", "", "— end —")} <= shown
    # The fields' help is in the column headers; no cell refers to a help element it lacks
    assert "_helptext" not in "".join(_inline_rows(html))
    assert 'class="help help-tooltip"' in html
    # And each table has its "Add another" row, written visible
    assert html.count('<tr class="add-row"><td colspan="') == 2
    assert "Add another Workflow transition</a>" in transitions_table


def test_task_picker_names_unknown_slugs_and_escapes_titles(company_a):
    from workflow_design.admin.forms import TaskRefs, TransitionRowForm

    workflow = long_workflow(company_a, 2)
    workflow.tasks.filter(slug="t1").update(title='Check "A" & <B>')
    widget = TransitionRowForm(task_refs=TaskRefs(list(workflow.tasks.all()))).fields["to_task"].widget
    assert '<option value="t1" selected>Check &quot;A&quot; &amp; &lt;B&gt;</option>' in widget.render("to", "t1")
    assert '<option value="gone" selected>gone ?</option>' in widget.render("to", "gone")
    assert '<option value="" selected>— end —</option>' in widget.render("to", "")


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
    workflow = long_workflow(company_a, 20)
    response = client_a.get(change_url(workflow))
    assert response.status_code == 200
    assert response.content.count(b'class="form-row has_original"') == 20 + 61
    assert len(built) <= 10, built  # a few empty rows per table, not 81 saved ones
