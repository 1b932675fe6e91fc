"""Write one workflow of a company as a bundle (JSON) or as BPMN 2.0 XML."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from workflow_design.files.bpmn import bpmn_export
from workflow_design.files.bundles import bundle_dumps, bundle_export, of_company
from workflow_design.management.commands._transfer import acting_user, company_by_slug, refusal
from workflow_design.policy import Action, workflow_policy


class Command(BaseCommand):
    help = "Export a workflow, its tasks, transitions and ticket definitions as one bundle file."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The workflow's slug.")
        parser.add_argument("--company", required=True, help="The company's slug.")
        parser.add_argument(
            "--workflow-version", dest="workflow_version", type=int, help="The version to export (default: the newest)."
        )
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")
        parser.add_argument("--user", help="Export as this user (email); default: the operator.")
        parser.add_argument(
            "--format",
            dest="file_format",
            choices=("bundle", "bpmn"),
            help="bundle (JSON) or bpmn (XML); default: bpmn for an --output ending in .bpmn, else bundle.",
        )

    def handle(self, *args, slug, company, workflow_version=None, output=None, user=None, file_format=None, **options):
        target = company_by_slug(company)
        actor = acting_user(user)
        try:
            workflow_policy.require(actor, Action.EXPORT)
        except PermissionDenied as exc:
            raise refusal(exc)
        exportable = workflow_policy.instances_user_has_permission_for(actor, Action.EXPORT)
        workflows = of_company(visible=exportable, company=target).filter(slug=slug)
        version = workflow_version
        if version is not None:
            workflows = workflows.filter(version=version)
        workflow = workflows.order_by("-version").first()
        if workflow is None:
            raise CommandError(f'{target.slug} has no workflow "{slug}"' + (f" version {version}." if version else "."))
        if (file_format or ("bpmn" if (output or "").lower().endswith(".bpmn") else "bundle")) == "bpmn":
            text = bpmn_export(workflow=workflow).decode("utf-8")
        else:
            text = bundle_dumps(bundle_export(workflow=workflow))
        if output and output != "-":
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {workflow.slug} v{workflow.version} to {output}.")
        else:
            self.stdout.write(text, ending="")
