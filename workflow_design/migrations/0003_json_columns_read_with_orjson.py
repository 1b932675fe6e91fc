# The design models' JSON fields become `workflow_design.fast.json_columns.JSONField`, which reads
# them with orjson. The columns stay as they are: only the field class changes, so the change is
# made to the migration state alone and no table is rebuilt (SQLite would copy each one).

from django.db import migrations

import workflow_design.fast.json_columns
import workflow_design.models.common

EMPTY = workflow_design.models.common._empty_list

# (model, field, default, verbose name, help text)
JSON_COLUMNS = [
    ("auditentry", "changes", dict, "what changed", ""),
    ("taskdefinition", "input_schema", EMPTY, "input fields (shown to the worker)", ""),
    ("taskdefinition", "output_schema", EMPTY, "output fields (the form the worker fills)", ""),
    (
        "ticketdefinition",
        "company_role_access",
        EMPTY,
        "company roles with access",
        "Slugs of the company roles that may submit and see tickets of this type.",
    ),
    ("ticketdefinition", "display_layout", EMPTY, "display layout", ""),
    ("ticketdefinition", "edit_layout", EMPTY, "edit layout", ""),
    ("ticketdefinition", "ext_ref", EMPTY, "external references", ""),
    ("ticketdefinition", "fields", EMPTY, "ticket fields", ""),
    ("workflowdefinition", "display_layout", EMPTY, "display layout", ""),
    ("workflowdefinition", "ext_ref", EMPTY, "external references", ""),
    ("workflowdefinition", "fields", EMPTY, "workflow fields", ""),
]


class Migration(migrations.Migration):
    dependencies = [
        ("workflow_design", "0002_audit_mcp_channel"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name=model,
                    name=name,
                    field=workflow_design.fast.json_columns.JSONField(
                        blank=True, default=default, verbose_name=verbose_name, help_text=help_text
                    ),
                )
                for model, name, default, verbose_name, help_text in JSON_COLUMNS
            ],
        ),
    ]
