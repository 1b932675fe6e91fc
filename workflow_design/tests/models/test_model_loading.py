"""Design rows read from the database without `__init__` (`fast.model_loading`): the same rows as
Django's own loading makes, and Django's loading wherever it would do more."""

from __future__ import annotations

import pytest
from django.db.models import Model
from django.db.models.signals import post_init, pre_init

from ticketflower.testing.factories import TicketFactory, simple_workflow
from workflow_design.fast import model_loading
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition

DESIGN_MODELS = [WorkflowDefinition, TaskDefinition, WorkflowTransition, TicketDefinition]
pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(company_a):
    workflow = simple_workflow(company_a, tasks=2)
    TicketFactory(company=company_a, workflow=workflow)
    return workflow


def _values(row: Model) -> dict:
    return {key: value for key, value in vars(row).items() if key != "_state"}


def _by_django(model, row: Model) -> Model:
    names = [field.attname for field in model._meta.concrete_fields]
    return Model.from_db.__func__(model, "default", names, [getattr(row, name) for name in names])


@pytest.mark.parametrize("model", DESIGN_MODELS, ids=lambda m: m.__name__)
def test_rows_are_the_ones_init_makes(rows, model):
    # given every row of the model, read by the ORM (the shortcut) and made by Django's `from_db`
    for row in model.objects.all():
        expected = _by_django(model, row)
        # then both hold the same values, the same state and no cached related object
        assert type(row) is model and "__init__" not in vars(type(row))
        assert _values(row) == _values(expected) and list(vars(row)) == list(vars(expected))
        assert (row._state.adding, row._state.db, row._state.fields_cache) == (False, "default", {})
        assert row == expected and str(row) == str(expected)


def test_loaded_rows_save_read_relations_and_refresh(rows):
    task = TaskDefinition.objects.get(workflow=rows, position=1)
    assert task.workflow == rows and TaskDefinition._meta.get_field("workflow").is_cached(task)
    task.title = "Renamed"
    task.save(update_fields=["title", "updated_at"])  # an update, not an insert
    assert TaskDefinition.objects.filter(workflow=rows).count() == 2
    task.refresh_from_db()
    assert task.title == "Renamed"
    other = simple_workflow(rows.company, tasks=1)
    task.workflow_id = other.pk  # a changed id drops the cached workflow
    assert task.workflow == other


def test_rows_read_in_part_use_djangos_loading(rows):
    task = TaskDefinition.objects.only("pk", "title").get(workflow=rows, position=1)
    assert task.get_deferred_fields() >= {"slug", "input_schema"}
    assert task.slug  # a deferred field is read when asked for


@pytest.mark.parametrize("signal", [pre_init, post_init], ids=["pre_init", "post_init"])
def test_a_listening_receiver_gets_djangos_loading(rows, signal):
    seen = []

    def receiver(sender, **kwargs):
        seen.append(sender)

    signal.connect(receiver, sender=TaskDefinition)
    try:
        tasks = list(TaskDefinition.objects.filter(workflow=rows))
    finally:
        signal.disconnect(receiver, sender=TaskDefinition)
    assert seen == [TaskDefinition] * len(tasks) == [TaskDefinition] * 2


def test_a_model_with_its_own_init_gets_djangos_loading(rows, monkeypatch):
    calls = []

    def own_init(self, *args, **kwargs):
        calls.append(len(args))
        Model.__init__(self, *args, **kwargs)

    monkeypatch.setattr(TaskDefinition, "__init__", own_init)
    monkeypatch.setattr(model_loading, "_STORES_ONLY", {})
    tasks = list(TaskDefinition.objects.filter(workflow=rows))
    assert len(calls) == len(tasks) == 2


def test_a_field_whose_descriptor_acts_when_set_gets_djangos_loading(rows, monkeypatch):
    stored = []

    class Recording:
        def __get__(self, row, owner=None):
            return self if row is None else row.__dict__["description"]

        def __set__(self, row, value):
            stored.append(value)
            row.__dict__["description"] = value

    monkeypatch.setattr(TaskDefinition, "description", Recording())
    monkeypatch.setattr(model_loading, "_STORES_ONLY", {})
    tasks = list(TaskDefinition.objects.filter(workflow=rows))
    assert len(stored) == len(tasks) == 2


def test_design_rows_are_read_without_init(rows, monkeypatch):
    # given a counter on `Model.__init__` (the models keep inheriting it)
    made = []
    original = Model.__init__

    def counting_init(self, *args, **kwargs):
        made.append(type(self))
        original(self, *args, **kwargs)

    monkeypatch.setattr(Model, "__init__", counting_init)
    monkeypatch.setattr(model_loading, "_STORES_ONLY", {})
    # when design rows and their company are read
    read = [row for model in DESIGN_MODELS for row in model.objects.all()]
    company = type(rows.company).objects.get(pk=rows.company_id)
    # then only the model without the shortcut went through `__init__`
    assert len(read) > 4 and made == [type(company)]
