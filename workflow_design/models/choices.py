from django.db import models
from django.utils.translation import gettext_lazy as _


class DefinitionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class TaskType(models.TextChoices):
    # The extension point for automated and AI-assisted tasks of the runtime.
    FORM = "FORM", _("Form (a person fills the output form)")
