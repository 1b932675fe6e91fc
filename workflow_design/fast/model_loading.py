"""Design rows loaded from the database without `Model.__init__`: `LoadedWithoutInit.from_db`.

Replaces: Django's `Model.from_db` (its documented hook for loading rows), which makes each row
read by calling the model's `__init__` with the row's values: every value set through its
field's descriptor, and the `pre_init` and `post_init` signals sent. A row read whole is the
same object made directly: its values in its `__dict__` and a new `ModelState` marked as loaded
from the database, which is what `__init__` leaves. Pages of a hundred rows (API lists, the
admin's changelists and workflow page) pay that for every row; the saving on an API page is
recorded in docs/performance.md (REST API lists).

Django's own path is kept for a row read in part (`only()`, `defer()`), for a model with its
own `__init__` or a field whose descriptor does something when set (what `__init__` would
run), and while any `pre_init` or `post_init` receiver listens to the model.

Can go when Django's `from_db` makes rows this way, or when the lists meet their
docs/performance.md targets without it (`bench/run.py`, part 4).
"""

from __future__ import annotations

from django.db.models import Model, signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute

# Per model class: whether `__init__` would only store the values (worked out once per class).
_STORES_ONLY: dict[type[Model], bool] = {}


def _init_only_stores_values(model: type[Model]) -> bool:
    stores = _STORES_ONLY.get(model)
    if stores is None:
        stores = _STORES_ONLY[model] = model.__init__ is Model.__init__ and all(
            _set_only_stores(type(getattr(model, field.attname, None))) for field in model._meta.concrete_fields
        )
    return stores


def _set_only_stores(descriptor: type) -> bool:
    # A plain column's descriptor has no `__set__` (the value goes to `__dict__`); a foreign
    # key's id also drops a cached related object, and a new row has none.
    return not hasattr(descriptor, "__set__") or descriptor is ForeignKeyDeferredAttribute


class LoadedWithoutInit:
    """Mixed into a model before `models.Model`: rows read whole are made without `__init__`."""

    @classmethod
    def from_db(cls, db, field_names, values):
        if (
            len(values) != len(cls._meta.concrete_fields)  # type: ignore[attr-defined]
            or not _init_only_stores_values(cls)  # type: ignore[arg-type]
            or signals.pre_init.has_listeners(cls)
            or signals.post_init.has_listeners(cls)
        ):
            return super().from_db(db, field_names, values)  # type: ignore[misc]
        state = ModelState()
        state.adding = False
        state.db = db
        row = cls.__new__(cls)
        row._state = state  # first, as `__init__` sets it
        row.__dict__.update(zip(field_names, values, strict=True))
        return row
