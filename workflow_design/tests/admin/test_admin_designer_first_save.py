"""The first save of a page that adds tasks and the transitions between them, refused for one
row: only that row's error is shown, and everything typed is kept."""

from __future__ import annotations

import pytest

from ticketflower.testing.factories import simple_workflow
from workflow_design.models import WorkflowDefinition
from workflow_design.tests.admin.designer_pages import ADD_URL, APPROVED, change_url, designer_post, errors_in
from workflow_design.tests.admin.designer_pages import task_row as new_task_line
from workflow_design.tests.admin.designer_pages import transition_row as new_transition_line

pytestmark = pytest.mark.django_db

BAD_CONDITION = "output.aproved == true"


def new_design_rows():
    tasks = [
        new_task_line(title="Review", slug="review", position=10, output_schema=APPROVED),
        new_task_line(title="Order", slug="order", position=20),
    ]
    transitions = [
        new_transition_line(from_task="", to_task="review", priority=1),
        new_transition_line(from_task="review", to_task="order", priority=10, condition=BAD_CONDITION),
        new_transition_line(from_task="review", to_task="", priority=20),
        new_transition_line(from_task="order", to_task="", priority=1),
    ]
    return tasks, transitions


def row_errors(response) -> dict[tuple[str, int], dict]:
    """{(formset prefix, row index): errors} of every row with an error."""
    found = {}
    for wrapper in response.context["inline_admin_formsets"]:
        for index, form in enumerate(wrapper.formset.forms):
            if form.errors:
                found[(wrapper.formset.prefix, index)] = form.errors
    return found


def test_new_workflow_first_save_with_wrong_condition_shows_one_error_at_its_row(client_a, company_a):
    tasks, transitions = new_design_rows()
    response = client_a.post(
        ADD_URL, designer_post(title="Onboarding", slug="onboarding", tasks=tasks, transitions=transitions)
    )
    assert response.status_code == 200
    assert not WorkflowDefinition.objects.filter(slug="onboarding").exists()
    errors = row_errors(response)
    assert list(errors) == [("transitions", 1)], errors
    assert "aproved" in " ".join(" ".join(messages) for messages in errors[("transitions", 1)].values())
    assert "not a valid choice" not in errors_in(response.content.decode())
    # What was typed is shown again as typed.
    page = response.content.decode()
    assert f'value="{BAD_CONDITION}"' in page or f">\n{BAD_CONDITION}</textarea>" in page
    assert 'name="transitions-1-to_task" value="order"' in page


def test_new_tasks_on_saved_workflow_refused_save_shows_one_error_at_its_row(client_a, company_a):
    workflow = simple_workflow(company_a, tasks=1)
    tasks, transitions = new_design_rows()
    saved_tasks = [new_task_line(task) for task in workflow.tasks.all()]
    saved_transitions = [new_transition_line(t) for t in workflow.transitions.select_related("from_task", "to_task")]
    data = designer_post(workflow, tasks=saved_tasks + tasks, transitions=saved_transitions + transitions)
    response = client_a.post(change_url(workflow), data)
    assert response.status_code == 200
    errors = row_errors(response)
    assert list(errors) == [("transitions", len(saved_transitions) + 1)], errors
    assert workflow.tasks.count() == 1


def post_extra_task_and_transitions(client, company, slugs: tuple[str, str]):
    """A saved one-task workflow's page, sent with a new task and two new transitions to and from it."""
    workflow = simple_workflow(company, tasks=1)
    saved = [new_transition_line(t) for t in workflow.transitions.select_related("from_task", "to_task")]
    tasks = [new_task_line(task) for task in workflow.tasks.all()]
    tasks.append(new_task_line(title="Extra", slug="extra", position=50))
    transitions = saved + [
        new_transition_line(from_task="step-1", to_task="extra", priority=5, condition="true", slug=slugs[0]),
        new_transition_line(from_task="extra", to_task="", priority=1, slug=slugs[1]),
    ]
    response = client.post(change_url(workflow), designer_post(workflow, tasks=tasks, transitions=transitions))
    return workflow, len(saved), response


def test_new_transitions_without_slugs_on_saved_workflow_saved_with_slugs_filled(client_a, company_a):
    workflow, saved, response = post_extra_task_and_transitions(client_a, company_a, ("", ""))
    assert response.status_code == 302, errors_in(response.content.decode())
    slugs = set(workflow.transitions.values_list("slug", flat=True))
    assert len(slugs) == saved + 2 and "" not in slugs


def test_two_new_transitions_with_one_slug_refused_at_the_second(client_a, company_a):
    _workflow, saved, response = post_extra_task_and_transitions(client_a, company_a, ("same", "same"))
    assert response.status_code == 200
    errors = row_errors(response)
    assert list(errors) == [("transitions", saved + 1)], errors
    assert "slug" in errors[("transitions", saved + 1)]
