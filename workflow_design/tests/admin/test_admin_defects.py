"""Defects of the admin found by trying it as a new creator would, each pinned by a test."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ticketflower.testing.factories import CompanyRoleFactory, TaskFactory, TicketFactory, simple_workflow
from workflow_design.models import DefinitionStatus, WorkflowDefinition
from workflow_design.rules.cel import ConditionEvaluationError, evaluate_condition
from workflow_design.services.lifecycle import workflow_publish
from workflow_design.tests.admin.designer_pages import APPROVED, change_url, designer_post, task_row
from workflow_design.tests.admin.test_admin_lifecycle import approval_workflow, url

pytestmark = pytest.mark.django_db

ANY_LINK = re.compile(r"<a [^>]*href=\"(?P<href>[^\"]+)\"")


def links_of(html: str) -> list[str]:
    return ANY_LINK.findall(html)


def test_dry_run_condition_error_speaks_cel_not_python(company_a, creator_a, client):
    workflow = approval_workflow(company_a, user=creator_a)
    review = workflow.tasks.get(slug="step-1")
    transition = workflow.transitions.get(slug="approved")
    transition.condition = 'ticket.amount > "a lot"'
    transition.save()
    client.force_login(creator_a)
    response = client.post(
        url("dry_run", workflow.pk),
        {"ticket__amount": "5.5", f"output__{review.pk}__approved": "true", "max_steps": "10"},
    )
    body = response.content.decode()
    check = next(c for step in response.context["result"].steps for c in step.checks if c.transition_slug == "approved")
    assert "CEL cannot apply > to values of types double, string." in check.reason
    for python_word in ("<class", "celpy", "CELEvalError", "Token(", "StringType"):
        assert python_word not in body


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        ('output.n > "a"', "CEL cannot apply > to values of types int, string."),
        ("output.n.size > 1", "A value of type int has no fields to select."),
        ('timestamp("not a date") > timestamp("2020-01-01T00:00:00Z")', "out of range or cannot be converted"),
        ("output.n / 0 > 1", "Division by zero."),
        ("[1][2] == 1", "An index or a value is out of range."),
    ],
)
def test_condition_errors_are_said_in_cel_words(condition, words):
    with pytest.raises(ConditionEvaluationError) as refused:
        evaluate_condition(condition, ticket={}, workflow={}, output={"n": 5})
    message = str(refused.value)
    assert words in message
    assert not re.search(r"<class|celpy|CELEvalError|Token\(|[A-Z][a-z]+Type\b", message)


def test_dry_run_true_result_is_not_written_in_a_background_colour(company_a, creator_a, client):
    workflow = approval_workflow(company_a, user=creator_a)
    client.force_login(creator_a)
    body = client.get(url("dry_run", workflow.pk)).content.decode()
    rule = re.search(r"\.tf-lifecycle \.tf-true \{([^}]*)\}", body).group(1)
    assert "color:" in rule and "-bg" not in rule


def test_import_refusal_is_shown_as_words_not_a_python_list(client_a, company_a):
    workflow = simple_workflow(company_a)
    content = f"workflow,titel,slug\n{workflow.slug},Review,review\n"
    response = client_a.post(
        reverse("admin:workflow_design_taskdefinition_import"),
        {"import_file": SimpleUploadedFile("tasks.csv", content.encode()), "format": "0", "resource": "0"},
    )
    body = response.content.decode()
    assert "<li>Unknown column(s): titel." in body
    assert "[&#x27;Unknown" not in body and "['Unknown" not in body


def test_stale_save_asks_for_a_reload_not_for_corrections(company_a, creator_a, client):
    workflow = simple_workflow(company_a, user=creator_a)
    client.force_login(creator_a)
    opened = workflow.revision
    first = designer_post(workflow, opened_revision=opened, description="mine")
    assert client.post(change_url(workflow), first).status_code == 302
    workflow.refresh_from_db()
    second = designer_post(workflow, opened_revision=opened, description="theirs")
    body = client.post(change_url(workflow), second).content.decode()
    assert "this page is out of date. Reload it" in body
    assert "Correct the errors below and save again" not in body


def test_created_by_and_roles_are_text_for_a_creator_not_links_to_a_refused_page(company_a, creator_a, client):
    role = CompanyRoleFactory(company=company_a, name="Reviewers")
    workflow = simple_workflow(company_a, user=creator_a)
    task = workflow.tasks.get(slug="step-1")
    task.assignee_role = role
    task.save()
    workflow_publish(workflow=workflow, user=creator_a)
    client.force_login(creator_a)
    for page in (change_url(workflow), reverse("admin:workflow_design_taskdefinition_change", args=[task.pk])):
        body = client.get(page).content.decode()
        assert creator_a.email in body or "Reviewers" in body
        for href in links_of(body):
            assert "/admin/users/" not in href and "/admin/auth/group/" not in href
    # Each link a creator is offered on those pages opens (no bare 403).
    body = client.get(reverse("admin:workflow_design_taskdefinition_change", args=[task.pk])).content.decode()
    assert "Reviewers" in body
    role_page = reverse("admin:users_companyrole_change", args=[role.pk])
    assert client.get(role_page).status_code == 403


def test_company_page_names_the_creators_group_without_a_link(company_a, company_admin_a, client):
    client.force_login(company_admin_a)
    body = client.get(reverse("admin:users_company_change", args=[company_a.pk])).content.decode()
    group = company_a.creators_group
    assert str(group) in body
    assert reverse("admin:auth_group_change", args=[group.pk]) not in body


def test_admin_has_no_view_site_link_to_a_missing_page(client_a):
    body = client_a.get(reverse("admin:index")).content.decode()
    assert "View site" not in body
    assert client_a.get("/").status_code == 404  # what the link led to


def test_admin_index_starts_with_the_workflow_definitions(client_a):
    body = client_a.get(reverse("admin:index")).content.decode()
    start = body.index('id="wd-start-here"')
    workflows = reverse("admin:workflow_design_workflowdefinition_changelist")
    assert "Start here" in body
    assert body.index(workflows, start) < body.index(reverse("admin:workflow_design_taskdefinition_changelist"), start)
    assert start < body.index('id="content-main"')


def test_workflow_history_says_what_changed_on_its_tasks(company_a, creator_a, client):
    workflow = simple_workflow(company_a, user=creator_a)
    client.force_login(creator_a)
    tasks = list(workflow.tasks.order_by("position", "id"))
    rows = [task_row(t, title="Manager review" if t == tasks[0] else t.title) for t in tasks]
    response = client.post(change_url(workflow), designer_post(workflow, tasks=rows, opened_revision=workflow.revision))
    assert response.status_code == 302
    history = client.get(reverse("admin:workflow_design_workflowdefinition_history", args=[workflow.pk]))
    body = history.content.decode()
    assert re.search(r"<strong>title</strong>: Step 1 → Manager review", body)
    task_history = client.get(reverse("admin:workflow_design_taskdefinition_history", args=[tasks[0].pk]))
    assert "Manager review" in task_history.content.decode()
    # Every entry listed, here and on the page of the task left as it was, says what changed
    # or is a creation.
    untouched = reverse("admin:workflow_design_taskdefinition_history", args=[tasks[1].pk])
    for page in (body, client.get(untouched).content.decode()):
        rows = re.findall(r"<tr>(.*?)</tr>", page.split("<tbody>", 1)[1], flags=re.S)
        assert rows
        for row in rows:
            assert "audit-changes" in row or "Created" in row


def test_published_workflow_page_links_nothing_a_creator_is_refused(company_a, creator_a, client):
    role = CompanyRoleFactory(company=company_a, name="Reviewers")
    workflow = simple_workflow(company_a, user=creator_a)
    extra = TaskFactory(
        workflow=workflow, slug="extra", title="Extra", position=9, assignee_role=role, output_schema=APPROVED
    )
    ticket = TicketFactory(workflow=workflow, company_role_access=[role.slug])
    WorkflowDefinition.objects.filter(pk=workflow.pk).update(status=DefinitionStatus.PUBLISHED)
    client.force_login(creator_a)
    body = client.get(change_url(workflow)).content.decode()
    assert "Reviewers" in body
    assert "1 field: Approved" in body and "&quot;approved&quot;" not in body  # not the raw JSON
    pages = [
        change_url(workflow),
        reverse("admin:workflow_design_taskdefinition_change", args=[extra.pk]),
        reverse("admin:workflow_design_ticketdefinition_change", args=[ticket.pk]),
        reverse("admin:workflow_design_workflowtransition_change", args=[workflow.transitions.first().pk]),
    ]
    followed = set()
    for page in pages:
        for href in links_of(client.get(page).content.decode()):
            if href.startswith("/admin/") and "logout" not in href and href not in followed:
                followed.add(href)
                assert client.get(href).status_code != 403, (page, href)
