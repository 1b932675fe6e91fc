from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workflow_design", "0006_transition_list_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticketdefinition",
            name="revision",
            field=models.PositiveIntegerField(
                default=1,
                editable=False,
                help_text="Raised by every saved change to the ticket definition; detects concurrent edits.",
                verbose_name="revision",
            ),
        ),
    ]
