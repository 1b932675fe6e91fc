import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    # Filled in the next migration and made required in the one after: PostgreSQL refuses to
    # index or alter a table whose rows the same transaction changed while their (deferred)
    # foreign-key checks are still pending.
    dependencies = [
        ("users", "0002_system_roles"),
        ("workflow_design", "0003_list_order_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="workflowtransition",
            name="company",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="workflow_transitions",
                to="users.company",
                verbose_name="company",
            ),
        ),
        migrations.AddField(
            model_name="workflowtransition",
            name="from_position",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="source position"),
        ),
    ]
