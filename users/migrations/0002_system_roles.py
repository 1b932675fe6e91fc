"""Create the system roles as Django groups with the model permissions they stand for."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

WORKFLOW_CREATOR = "workflow_creator"
COMPANY_ADMIN = "company_admin"
DESIGN_MODELS = ("workflowdefinition", "taskdefinition", "workflowtransition", "ticketdefinition")
DESIGN_EXTRA = (
    "import_workflowdefinition", "export_workflowdefinition", "publish_workflowdefinition",
    "import_taskdefinition", "export_taskdefinition",
    "import_workflowtransition", "export_workflowtransition",
    "import_ticketdefinition", "export_ticketdefinition",
)
COMPANY_ADMIN_MODELS = ("user", "companyrole")


def create_system_roles(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now so the groups get them.
    for app_label in ("users", "workflow_design"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True  # the migration state's app stub has none
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    creator, _ = Group.objects.get_or_create(name=WORKFLOW_CREATOR)
    codenames = [f"{a}_{m}" for m in DESIGN_MODELS for a in ("add", "change", "delete", "view")]
    creator.permissions.add(
        *Permission.objects.filter(content_type__app_label="workflow_design", codename__in=codenames + list(DESIGN_EXTRA))
    )
    company_admin, _ = Group.objects.get_or_create(name=COMPANY_ADMIN)
    codenames = [f"{a}_{m}" for m in COMPANY_ADMIN_MODELS for a in ("add", "change", "delete", "view")]
    company_admin.permissions.add(*Permission.objects.filter(content_type__app_label="users", codename__in=codenames))


def remove_system_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[WORKFLOW_CREATOR, COMPANY_ADMIN]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0001_initial"),
        ("workflow_design", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_system_roles, remove_system_roles)]
