"""Each design model's write services, for the adapters that handle the four models alike.

`writes_for(model)` is to the services what `policy.policy_for(model)` is to the permission
policy: the admin, the API and the per-model files look a model's services up here rather than
repeat, model by model, the same call with another name. The services are
`workflow_design.services`; nothing here adds a rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models

from workflow_design import services
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition


@dataclass(frozen=True)
class ModelWrites:
    """One model's services.

    The single-row update and delete take the stored row by the model's own keyword
    (`workflow=`, `task=`, `transition=`, `ticket=`); `update` and `delete` here pass it.
    """

    keyword: str
    create: Callable[..., Any]
    update_service: Callable[..., Any]
    delete_service: Callable[..., None]
    # The batch services, for the models files import in batches.
    create_many: Callable[..., list] | None = None
    update_many: Callable[..., list] | None = None

    def update(self, stored: models.Model, **kwargs: Any) -> Any:
        return self.update_service(**{self.keyword: stored}, **kwargs)

    def delete(self, stored: models.Model, **kwargs: Any) -> None:
        self.delete_service(**{self.keyword: stored}, **kwargs)


def _services_of(keyword: str, plural: str | None = None) -> ModelWrites:
    """A model's services, found by the services' own naming (`task_create`, `tasks_create_many`)."""
    single = (getattr(services, f"{keyword}_{action}") for action in ("create", "update", "delete"))
    if plural is None:
        return ModelWrites(keyword, *single)
    many = (getattr(services, f"{plural}_{action}_many") for action in ("create", "update"))
    return ModelWrites(keyword, *single, *many)


_WRITES: dict[type[models.Model], ModelWrites] = {
    WorkflowDefinition: _services_of("workflow"),
    TaskDefinition: _services_of("task", "tasks"),
    WorkflowTransition: _services_of("transition", "transitions"),
    TicketDefinition: _services_of("ticket"),
}


def writes_for(model: type[models.Model]) -> ModelWrites:
    return _WRITES[model]
