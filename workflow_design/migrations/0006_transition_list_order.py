import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workflow_design", "0005_transition_company_and_source_position_fill"),
    ]

    operations = [
        migrations.AlterField(
            model_name="workflowtransition",
            name="company",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="workflow_transitions",
                to="users.company",
                verbose_name="company",
            ),
        ),
        migrations.AlterModelOptions(
            name="workflowtransition",
            options={
                "ordering": ["workflow_id", "from_position", "priority", "id"],
                "permissions": [
                    ("import_workflowtransition", "Can import workflow transitions"),
                    ("export_workflowtransition", "Can export workflow transitions"),
                ],
                "verbose_name": "workflow transition",
                "verbose_name_plural": "workflow transitions",
            },
        ),
        migrations.AddIndex(
            model_name="workflowtransition",
            index=models.Index(
                fields=["company", "workflow", "from_position", "priority", "id"], name="wd_transition_company_list"
            ),
        ),
    ]
