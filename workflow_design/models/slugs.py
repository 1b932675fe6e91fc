"""Slugs derived from titles, for definitions made without one (the ORM, a shell, a script).

Files, fixtures and bundles name definitions by slug, so every row needs a slug that is unique
where the database says it must be; the services call `ensure_slug()` too.
"""

from __future__ import annotations

from django.db import models
from django.utils.text import slugify

from ticketflower.timestamps import TimeStampedModel
from workflow_design.fast.model_loading import LoadedWithoutInit
from workflow_design.models.choices import DefinitionStatus

# Room kept free at the end of a long base for a `-<n>` suffix when the slugs taken are read.
_SUFFIX_ROOM = 10


def free_slug(base: str, taken: set[str], *, max_length: int) -> str:
    """`base`, or `base-2`, `base-3`… whichever is not taken yet, cut to `max_length`."""
    slug = base[:max_length].rstrip("-")
    n = 2
    while slug in taken:
        suffix = f"-{n}"
        slug = f"{base[: max_length - len(suffix)].rstrip('-')}{suffix}"
        n += 1
    return slug


def company_version_scope(obj: models.Model) -> models.QuerySet:
    """Workflows and ticket definitions: a slug is unique per company and version, and a draft's
    slug also among the company's drafts (one draft per slug, whatever its version)."""
    same = models.Q(version=obj.version)  # type: ignore[attr-defined]
    if obj.status == DefinitionStatus.DRAFT:  # type: ignore[attr-defined]
        same |= models.Q(status=DefinitionStatus.DRAFT)
    return type(obj)._default_manager.filter(same, company_id=obj.company_id)  # type: ignore[attr-defined]


class SluggedDefinition(LoadedWithoutInit, TimeStampedModel):
    """A definition whose slug, when left empty, is derived on save from its title (read from
    the database without `__init__`: `fast.model_loading`)."""

    class Meta:
        abstract = True

    def slug_base(self) -> str:
        # A title of punctuation only (or none) gives no slug: the model's name stands in
        # ("workflow", "task", "ticket").
        return slugify(getattr(self, "title", "")) or self._meta.model_name.removesuffix("definition")

    def slug_scope(self) -> models.QuerySet:
        """The rows among which this row's slug must be unique."""
        raise NotImplementedError

    def ensure_slug(self, *, taken: set[str] | None = None) -> str:
        """Give the row a slug if it has none; return the slug.

        `taken` names the slugs already used in the row's scope (a batch reads them once for
        all its rows); the slug chosen is added to it. Without it the scope is read here.
        """
        if not self.slug:
            max_length = self._meta.get_field("slug").max_length
            base = self.slug_base()
            if taken is None:
                prefix = base[: max_length - _SUFFIX_ROOM]
                taken = set(
                    self.slug_scope().filter(slug__startswith=prefix).exclude(pk=self.pk).values_list("slug", flat=True)
                )
            self.slug = free_slug(base, taken, max_length=max_length)
            taken.add(self.slug)
        return self.slug

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.ensure_slug()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "slug"}
        super().save(*args, **kwargs)
