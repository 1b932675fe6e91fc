"""The browsable API's create forms post successfully as they are offered: both the HTML form and
the raw-data (JSON) form, with only what a person must type filled in (a title, a workflow)."""

from __future__ import annotations

import html
import json
from html.parser import HTMLParser

import pytest

from ticketflower.testing.factories import TaskFactory
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.tests.api.samples import TK, W

CREATE_FORM_ID = "post-object-form"


class FormReader(HTMLParser):
    """The initial values of the first form read: inputs, selected options and text areas."""

    def __init__(self):
        super().__init__()
        self.inside = self.done = False
        self.values: dict[str, str] = {}
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.done:
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self.values[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self.select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self.select and "selected" in attrs:
            self.values[self.select] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self.textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside, self.done = False, True
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.inside and self.textarea:
            self.values[self.textarea] += data


def html_form_values(page: str) -> dict[str, str]:
    """The values the HTML create form (the first form of the POST panel) offers."""
    reader = FormReader()
    reader.feed(page[page.index(f'id="{CREATE_FORM_ID}"') :])
    assert reader.values, "the page offers no create form"
    return reader.values


def raw_form_content(page: str) -> dict:
    """The JSON the raw-data form offers for a POST (the first `_content` text area)."""
    start = page.index('name="_content"')
    start = page.index(">", start) + 1
    return json.loads(html.unescape(page[start : page.index("</textarea>", start)]))


LIST_FIELDS = (
    "fields",
    "ext_ref",
    "display_layout",
    "edit_layout",
    "company_role_access",
    "input_schema",
    "output_schema",
)
# (list address, model, what a person must type in) for each create form.
FORMS = {
    "workflow": (lambda wf: W, WorkflowDefinition, lambda wf: {"title": "Offered"}),
    "ticket": (lambda wf: TK, TicketDefinition, lambda wf: {"title": "Offered", "workflow": wf.pk}),
    "task": (lambda wf: f"{W}{wf.pk}/tasks/", TaskDefinition, lambda wf: {"title": "Offered"}),
    # The task is named by its slug, as a person types it.
    "transition": (lambda wf: f"{W}{wf.pk}/transitions/", WorkflowTransition, lambda wf: {"to_task": "first"}),
}


def create_form_page(api, workflow, kind):
    """The list address, model and typed-in values of one create form, and the HTML page that
    offers it (with a task named "first" for a transition to point at)."""
    TaskFactory(workflow=workflow, slug="first")
    address, model, typed = FORMS[kind]
    url = address(workflow)
    return url, model, typed(workflow), api.get(url, HTTP_ACCEPT="text/html").content.decode()


def post_created(api, url, model, data, form_format):
    """Post the form; it must answer 201 and store the row it names."""
    response = api.post(url, data, format=form_format)
    assert response.status_code == 201, response.json()
    return model.objects.get(pk=response.json()["id"])


@pytest.mark.parametrize("kind", list(FORMS))
def test_browsable_raw_form_posts_as_offered(api, workflow, kind):
    url, model, typed, page = create_form_page(api, workflow, kind)
    offered = raw_form_content(page)
    assert [offered[name] for name in LIST_FIELDS if name in offered] == [[] for name in LIST_FIELDS if name in offered]
    post_created(api, url, model, {**offered, **typed}, "json")


@pytest.mark.parametrize("kind", list(FORMS))
def test_browsable_html_form_posts_as_offered(api, workflow, kind):
    url, model, typed, page = create_form_page(api, workflow, kind)
    offered = html_form_values(page)
    row = post_created(api, url, model, {**offered, **{name: str(value) for name, value in typed.items()}}, "multipart")
    for name in LIST_FIELDS:
        if name in offered:
            assert getattr(row, name) == []
