"""Import a workflow bundle (JSON) or a BPMN 2.0 file into a company, as drafts, all or nothing."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from workflow_design.files import limits
from workflow_design.files.bundle_reader import UploadRefused, read_bundle
from workflow_design.management.commands._transfer import acting_user, company_by_slug, refusal
from workflow_design.models import AuditChannel
from workflow_design.services.audit import audit_channel
from workflow_design.services.bpmn_import import bpmn_import
from workflow_design.services.bundle_import import bundle_import


class Command(BaseCommand):
    help = "Import a workflow bundle or a BPMN 2.0 file (.bpmn, or a .zip with its forms) into a company."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The bundle or BPMN file, or - for standard input.")
        parser.add_argument("--process", help="BPMN: the id of the one process to import.")
        parser.add_argument("--company", required=True, help="The company's slug.")
        parser.add_argument("--dry-run", action="store_true", help="Check and report; save nothing.")
        parser.add_argument(
            "--as-new-version", action="store_true", help="Import as the next version when the slug exists."
        )
        parser.add_argument(
            "--create-missing-roles", action="store_true", help="Create company roles the bundle names."
        )
        parser.add_argument("--user", help="Import as this user (email); default: the operator.")

    def handle(
        self,
        *args,
        file,
        company,
        dry_run=False,
        as_new_version=False,
        create_missing_roles=False,
        user=None,
        process=None,
        **options,
    ):
        actor = acting_user(user)
        # The same for both kinds of file: the service's own options.
        options = {
            "dry_run": dry_run,
            "as_new_version": as_new_version,
            "create_missing_roles": create_missing_roles,
            "company": company_by_slug(company),
        }
        try:
            if file == "-":
                raw = limits.read_limited(sys.stdin.buffer)
            else:
                path = Path(file)
                if not path.is_file():
                    raise CommandError(f"No file {file}.")
                limits.ensure_size(path.stat().st_size)
                with path.open("rb") as stream:
                    raw = limits.read_limited(stream)
            if file.lower().endswith((".bpmn", ".zip")) or raw.lstrip()[:1] == b"<" or raw[:2] == b"PK":
                return self.import_bpmn(
                    self.run_import(bpmn_import, user=actor, source=raw, process_id=process, **options)
                )
            document = read_bundle(raw)
        except UploadRefused as exc:
            raise CommandError(str(exc))

        into = options["company"].slug
        self.stderr.write(f"Read {len(raw)} bytes; {'checking' if dry_run else 'importing'} into {into}…")
        last: dict[str, int] = {}

        def progress(part: str, done: int, total: int) -> None:
            # About every tenth of each part, and at its end: enough to see a large file move.
            step = max(total // 10, 1)
            if done == total or done - last.get(part, 0) >= step:
                last[part] = done
                self.stderr.write(f"  {part}: {done}/{total}")

        result = self.run_import(bundle_import, user=actor, document=document, progress=progress, **options)

        for clash in result.clashes:
            self.stdout.write(f"exists: {clash['kind']} {clash['slug']} (latest version {clash['latest_version']})")
        if result.missing_roles:
            verb = "created" if create_missing_roles else "missing"
            self.stdout.write(f"roles {verb}: {', '.join(result.missing_roles)}")
        if not result.ok:
            for error in result.errors:
                self.stdout.write(f"error: {error['path'] or '(document)'}: {error['message']}")
            raise CommandError(f"Nothing imported: {len(result.errors)} problem(s).")
        summary = (
            f"{result.workflow_slug} v{result.workflow_version}: {len(result.created_tasks)} tasks, "
            f"{len(result.created_transitions)} transitions, {len(result.created_tickets)} ticket definitions"
        )
        if dry_run:
            self.stdout.write(f"Dry run, nothing saved. Would create {summary}.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {summary} (draft)."))

    def run_import(self, service, **kwargs):
        """The import service, its changes recorded as made on the command line."""
        try:
            with audit_channel(AuditChannel.COMMAND):
                return service(**kwargs)
        except (PermissionDenied, ValidationError) as exc:
            raise refusal(exc)

    def import_bpmn(self, result) -> None:
        """Report a BPMN import: what became of each element that was not kept as it is."""
        for entry in result.processes:
            for line in entry.process.report:
                if line.outcome != "kept":
                    self.stdout.write(f"{line.outcome}: {line.element_type} {line.element_id}: {line.reason}")
            for error in entry.imported.errors:
                self.stdout.write(
                    f"error: {entry.process.process_id}: {error['path'] or '(document)'}: {error['message']}"
                )
        if not result.ok:
            raise CommandError("Nothing imported.")
        made = ", ".join(
            f"{p.imported.workflow_slug} ({len(p.imported.created_tasks)} tasks)" for p in result.processes
        )
        if result.dry_run:
            self.stdout.write(f"Dry run, nothing saved. Would create {made}.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {made} (drafts)."))
