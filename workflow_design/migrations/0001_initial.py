"""The definitions, their audit trail and their object-permission tables, as they stand.

Earlier steps (0002-0007) are folded in here. A database made with them is already at this
state: Django sees 0001 applied and has nothing to do. Fields declared alike are built by the
small functions below, so each model lists only what is its own.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import workflow_design.models.common

EMPTY_LIST = workflow_design.models.common._empty_list
STATUSES = [("draft", "Draft"), ("published", "Published"), ("archived", "Archived")]
CHANNELS = [
    ("admin", "Admin"),
    ("api", "REST API"),
    ("import", "File import"),
    ("bundle", "Workflow bundle"),
    ("command", "Command line"),
    ("code", "Other"),
]
ACTIONS = [
    ("created", "Created"),
    ("changed", "Changed"),
    ("deleted", "Deleted"),
    ("published", "Published"),
    ("archived", "Archived"),
    ("new_version", "New version created"),
]
PROTECT = django.db.models.deletion.PROTECT
CASCADE = django.db.models.deletion.CASCADE


def key_and_timestamps():
    return [
        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
    ]


def title_slug_description(*, slug_help="", slug_length=80):
    return [
        ("title", models.CharField(max_length=200, verbose_name="title")),
        ("slug", models.SlugField(help_text=slug_help, max_length=slug_length, verbose_name="slug")),
        ("description", models.TextField(blank=True, verbose_name="description")),
    ]


def json_list(label, help_text=""):
    return models.JSONField(blank=True, default=EMPTY_LIST, help_text=help_text, verbose_name=label)


def version_and_status():
    return [
        ("version", models.PositiveIntegerField(default=1, verbose_name="version")),
        ("status", models.CharField(choices=STATUSES, default="draft", max_length=16, verbose_name="status")),
    ]


def publication(revision_help):
    return [
        ("published_at", models.DateTimeField(blank=True, editable=False, null=True, verbose_name="published at")),
        (
            "revision",
            models.PositiveIntegerField(default=1, editable=False, help_text=revision_help, verbose_name="revision"),
        ),
    ]


def reference(to, label, *, related_name, on_delete=PROTECT, **options):
    return models.ForeignKey(on_delete=on_delete, related_name=related_name, to=to, verbose_name=label, **options)


def created_by():
    user = settings.AUTH_USER_MODEL
    set_null = django.db.models.deletion.SET_NULL
    return ("created_by", reference(user, "created by", related_name="+", on_delete=set_null, **NULLABLE_FIXED))


NULLABLE_FIXED = {"blank": True, "editable": False, "null": True}


def valid_status(prefix):
    return models.CheckConstraint(
        condition=models.Q(("status__in", [value for value, _label in STATUSES])), name=f"{prefix}_status_valid"
    )


def positive_version(prefix, message=None):
    return models.CheckConstraint(
        condition=models.Q(("version__gte", 1)), name=f"{prefix}_version_positive", violation_error_message=message
    )


def company_versioned_constraints(prefix, noun):
    return [
        models.UniqueConstraint(
            fields=("company", "slug", "version"),
            name=f"{prefix}_unique_slug_version_per_company",
            violation_error_message=f"This company already has this version of a {noun} with this slug.",
        ),
        models.UniqueConstraint(
            condition=models.Q(("status", "draft")),
            fields=("company", "slug"),
            name=f"{prefix}_one_draft_per_slug",
            violation_error_message=f"This {noun} already has a draft version; edit that one.",
        ),
    ]


def unique_in_workflow(prefix, noun):
    return models.UniqueConstraint(
        fields=("workflow", "slug"),
        name=f"{prefix}_unique_slug_per_workflow",
        violation_error_message=f"This workflow already has a {noun} with this slug.",
    )


def definition_options(name, plural, *, ordering, imports, indexes, constraints, extra_permissions=()):
    return {
        "verbose_name": name,
        "ordering": ordering,
        "permissions": [
            (f"import_{imports}", f"Can import {plural}"),
            (f"export_{imports}", f"Can export {plural}"),
            *extra_permissions,
        ],
        "indexes": indexes,
        "constraints": constraints,
    }


# django-guardian's direct foreign-key tables: one pair (users, groups) per definition model.
DEFINITION_MODELS = ("WorkflowDefinition", "TaskDefinition", "WorkflowTransition", "TicketDefinition")
HOLDERS = {"User": ("user", settings.AUTH_USER_MODEL), "Group": ("group", "auth.group")}


def object_permission_table(model, kind):
    holder, holder_model = HOLDERS[kind]
    return migrations.CreateModel(
        name=f"{model}{kind}ObjectPermission",
        fields=[
            ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
            ("content_object", models.ForeignKey(on_delete=CASCADE, to=f"workflow_design.{model.lower()}")),
            (holder, models.ForeignKey(on_delete=CASCADE, to=holder_model)),
            ("permission", models.ForeignKey(on_delete=CASCADE, to="auth.permission")),
        ],
        options={"abstract": False, "unique_together": {(holder, "permission", "content_object")}},
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("users", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="WorkflowDefinition",
            fields=[
                *key_and_timestamps(),
                *title_slug_description(slug_help="Names the workflow in files and the API; kept across versions."),
                ("ext_ref", json_list("external references")),
                ("fields", json_list("workflow fields")),
                ("display_layout", json_list("display layout")),
                *version_and_status(),
                *publication("Raised by every saved change to the workflow or its parts; detects concurrent edits."),
                ("company", reference("users.company", "company", related_name="workflows")),
                created_by(),
            ],
            options=definition_options(
                "workflow definition",
                "workflow definitions",
                ordering=["title", "-version", "id"],
                imports="workflowdefinition",
                extra_permissions=[("publish_workflowdefinition", "Can publish workflow definitions")],
                indexes=[
                    models.Index(fields=["company", "status"], name="wd_workflow_company_status"),
                    models.Index(fields=["company", "title", "-version", "id"], name="wd_workflow_company_list"),
                ],
                constraints=[
                    *company_versioned_constraints("wd_workflow", "workflow"),
                    positive_version("wd_workflow", "Versions start at 1."),
                    valid_status("wd_workflow"),
                ],
            ),
        ),
        migrations.CreateModel(
            name="TicketDefinition",
            fields=[
                *key_and_timestamps(),
                *title_slug_description(),
                ("ext_ref", json_list("external references")),
                ("fields", json_list("ticket fields")),
                (
                    "company_role_access",
                    json_list(
                        "company roles with access",
                        "Slugs of the company roles that may submit and see tickets of this type.",
                    ),
                ),
                ("edit_layout", json_list("edit layout")),
                ("display_layout", json_list("display layout")),
                *version_and_status(),
                *publication("Raised by every saved change to the ticket definition; detects concurrent edits."),
                ("company", reference("users.company", "company", related_name="ticket_definitions")),
                created_by(),
                (
                    "workflow",
                    reference("workflow_design.workflowdefinition", "workflow", related_name="ticket_definitions"),
                ),
            ],
            options=definition_options(
                "ticket definition",
                "ticket definitions",
                ordering=["title", "-version", "id"],
                imports="ticketdefinition",
                indexes=[models.Index(fields=["company", "title", "-version", "id"], name="wd_ticket_company_list")],
                constraints=[
                    *company_versioned_constraints("wd_ticket", "ticket definition"),
                    positive_version("wd_ticket"),
                    valid_status("wd_ticket"),
                ],
            ),
        ),
        migrations.CreateModel(
            name="TaskDefinition",
            fields=[
                *key_and_timestamps(),
                *title_slug_description(slug_help="Unique inside its workflow."),
                (
                    "task_type",
                    models.CharField(
                        choices=[("FORM", "Form (a person fills the output form)")],
                        default="FORM",
                        max_length=16,
                        verbose_name="task type",
                    ),
                ),
                (
                    "position",
                    models.PositiveIntegerField(
                        default=0, help_text="Order of the task in the designer.", verbose_name="position"
                    ),
                ),
                ("input_schema", json_list("input fields (shown to the worker)")),
                ("output_schema", json_list("output fields (the form the worker fills)")),
                *version_and_status(),
                (
                    "assignee_role",
                    reference(
                        "users.companyrole",
                        "assigned role",
                        related_name="assigned_tasks",
                        blank=True,
                        null=True,
                        help_text="The company role whose members work on this task.",
                    ),
                ),
                ("company", reference("users.company", "company", related_name="task_definitions")),
                created_by(),
                (
                    "workflow",
                    reference(
                        "workflow_design.workflowdefinition", "workflow", related_name="tasks", on_delete=CASCADE
                    ),
                ),
            ],
            options=definition_options(
                "task definition",
                "task definitions",
                ordering=["workflow_id", "position", "id"],
                imports="taskdefinition",
                indexes=[
                    models.Index(fields=["company", "workflow", "position", "id"], name="wd_task_company_list")
                ],
                constraints=[
                    unique_in_workflow("wd_task", "task"),
                    positive_version("wd_task"),
                    valid_status("wd_task"),
                    models.CheckConstraint(condition=models.Q(("task_type__in", ["FORM"])), name="wd_task_type_valid"),
                ],
            ),
        ),
        migrations.CreateModel(
            name="WorkflowTransition",
            fields=[
                *key_and_timestamps(),
                ("slug", models.SlugField(help_text="Unique inside its workflow.", max_length=120, verbose_name="slug")),
                (
                    "condition",
                    models.TextField(
                        blank=True,
                        help_text=(
                            "A CEL expression over ticket.*, workflow.* and output.*; empty means always "
                            "(the default branch)."
                        ),
                        verbose_name="condition",
                    ),
                ),
                (
                    "priority",
                    models.PositiveIntegerField(
                        default=100,
                        help_text="Outgoing transitions are tried in ascending priority.",
                        verbose_name="priority",
                    ),
                ),
                ("status", models.CharField(choices=STATUSES, default="draft", max_length=16, verbose_name="status")),
                (
                    "from_position",
                    models.PositiveIntegerField(default=0, editable=False, verbose_name="source position"),
                ),
                (
                    "company",
                    reference(
                        "users.company", "company", related_name="workflow_transitions", blank=True, editable=False
                    ),
                ),
                (
                    "from_task",
                    reference(
                        "workflow_design.taskdefinition",
                        "from task",
                        related_name="outgoing_transitions",
                        on_delete=CASCADE,
                        blank=True,
                        null=True,
                        help_text="Empty: a start transition, taken when a ticket is created.",
                    ),
                ),
                (
                    "to_task",
                    reference(
                        "workflow_design.taskdefinition",
                        "to task",
                        related_name="incoming_transitions",
                        on_delete=CASCADE,
                        blank=True,
                        null=True,
                        help_text="Empty: the transition ends the workflow.",
                    ),
                ),
                (
                    "workflow",
                    reference(
                        "workflow_design.workflowdefinition", "workflow", related_name="transitions", on_delete=CASCADE
                    ),
                ),
            ],
            options=definition_options(
                "workflow transition",
                "workflow transitions",
                ordering=["workflow_id", "from_position", "priority", "id"],
                imports="workflowtransition",
                indexes=[
                    models.Index(
                        fields=["company", "workflow", "from_position", "priority", "id"],
                        name="wd_transition_company_list",
                    )
                ],
                constraints=[
                    unique_in_workflow("wd_transition", "transition"),
                    models.CheckConstraint(
                        condition=models.Q(("from_task__isnull", False), ("to_task__isnull", False), _connector="OR"),
                        name="wd_transition_not_start_to_end",
                        violation_error_message=(
                            "A transition needs a from task or a to task (start straight to end does nothing)."
                        ),
                    ),
                    valid_status("wd_transition"),
                ],
            ),
        ),
        migrations.CreateModel(
            name="AuditEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="when")),
                ("actor_email", models.CharField(blank=True, max_length=254, verbose_name="who (email)")),
                ("channel", models.CharField(choices=CHANNELS, max_length=16, verbose_name="path")),
                ("action", models.CharField(choices=ACTIONS, max_length=16, verbose_name="action")),
                ("object_id", models.PositiveBigIntegerField(verbose_name="object id")),
                ("object_repr", models.CharField(max_length=300, verbose_name="object")),
                ("changes", models.JSONField(blank=True, default=dict, verbose_name="what changed")),
                (
                    "actor",
                    reference(
                        settings.AUTH_USER_MODEL,
                        "who",
                        related_name="+",
                        on_delete=django.db.models.deletion.SET_NULL,
                        blank=True,
                        null=True,
                    ),
                ),
                (
                    "company",
                    reference("users.company", "company", related_name="audit_entries", on_delete=CASCADE),
                ),
                ("content_type", reference("contenttypes.contenttype", "kind", related_name="+")),
            ],
            options={
                "verbose_name": "audit entry",
                "verbose_name_plural": "audit trail",
                "ordering": ["-created_at", "-id"],
                "indexes": [models.Index(fields=["content_type", "object_id"], name="wd_audit_object")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("channel__in", [value for value, _label in CHANNELS])),
                        name="wd_audit_channel_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("action__in", [value for value, _label in ACTIONS])),
                        name="wd_audit_action_valid",
                    ),
                ],
            },
        ),
        *(object_permission_table(model, kind) for model in DEFINITION_MODELS for kind in HOLDERS),
    ]
