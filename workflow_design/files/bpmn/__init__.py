"""BPMN 2.0 in and out: the reader (`bpmn_read`) and the writer (`bpmn_export`).

An upload is a `.bpmn` file, or a zip holding one `.bpmn` file and the Camunda `.form` files its
tasks link to. Each process read becomes a workflow bundle with a fidelity report; the import
itself is the bundle import (`services.bpmn_import`).
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import IO, Any

from django.utils.translation import gettext as _

from workflow_design.files import limits
from workflow_design.files.bpmn.exporting import bpmn_export, bpmn_filename
from workflow_design.files.bpmn.importing import ProcessReader
from workflow_design.files.bpmn.report import DROPPED, TRANSLATED, ProcessImport, ReportEntry
from workflow_design.files.bpmn.xml_reader import BPMN, ZEEBE, local_name, q, read_bpmn_xml
from workflow_design.files.limits import UploadRefused
from workflow_design.files.uploads import safe_json_loads

MAX_ZIP_ENTRIES = 50


def _unzip(data: bytes) -> tuple[bytes, dict[str, Any]]:
    """The `.bpmn` file of a zip and its forms by id."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UploadRefused(_("The zip file cannot be read.")) from None
    entries = archive.infolist()
    if len(entries) > MAX_ZIP_ENTRIES:
        raise UploadRefused(_("The zip holds more than %(n)d files.") % {"n": MAX_ZIP_ENTRIES})
    if sum(entry.file_size for entry in entries) > limits.max_upload_bytes():
        raise UploadRefused(
            _("The zip's files are larger than %(limit)s together.")
            % {"limit": limits.size_text(limits.max_upload_bytes())}
        )
    diagrams = [e for e in entries if e.filename.lower().endswith(".bpmn")]
    if len(diagrams) != 1:
        raise UploadRefused(_("The zip must hold exactly one .bpmn file (it holds %(n)d).") % {"n": len(diagrams)})
    forms: dict[str, Any] = {}
    for entry in entries:
        if entry.filename.lower().endswith(".form"):
            form = safe_json_loads(archive.read(entry))
            if isinstance(form, dict) and isinstance(form.get("id"), str):
                forms[form["id"]] = form
    return archive.read(diagrams[0]), forms


def bpmn_read(source: bytes | IO[bytes], *, process_id: str | None = None) -> list[ProcessImport]:
    """The processes of a BPMN upload as bundles with their reports.

    One per executable process (every process when none is marked executable), or only
    `process_id` when given. Raises `UploadRefused` for a file that cannot be read at all.
    """
    data = source if isinstance(source, bytes) else limits.read_limited(source)
    forms: dict[str, Any] = {}
    if data[:2] == b"PK":
        data, forms = _unzip(data)
    root = read_bpmn_xml(data)
    for embedded in root.iter(q(ZEEBE, "userTaskForm")):
        try:
            forms[embedded.get("id", "")] = json.loads(embedded.text or "")
        except ValueError:
            continue
    titles = {p.get("processRef"): p.get("name") for p in root.iter(q(BPMN, "participant"))}
    processes = root.findall(q(BPMN, "process"))
    if process_id is not None:
        chosen = [p for p in processes if p.get("id") == process_id]
        if not chosen:
            raise UploadRefused(
                _("The file has no process “%(id)s”; its processes: %(ids)s.")
                % {"id": process_id, "ids": ", ".join(p.get("id", "") for p in processes)}
            )
    else:
        # A pool drawn closed (no flow elements) stands for a partner: not a workflow.
        drawn = [p for p in processes if any(child.get("id") for child in p)]
        chosen = [p for p in drawn if p.get("isExecutable") == "true"] or drawn
    if not chosen:
        raise UploadRefused(_("The file has no process."))
    imports = []
    for process in chosen:
        title = process.get("name") or titles.get(process.get("id")) or process.get("id", "")
        imports.append(ProcessReader(process, title, forms).read())
    dropped = _outside_processes(root, processes, chosen)
    if dropped:
        imports[0].report.extend(dropped)
    return imports


def _outside_processes(root, processes, chosen) -> list[ReportEntry]:
    """Report entries for what lies outside the processes read: message flows, other processes."""
    entries = []
    for collaboration in root.iter(q(BPMN, "collaboration")):
        entries.append(
            ReportEntry(collaboration.get("id", ""), "collaboration", TRANSLATED, _("Its pools are read one by one."))
        )
    for participant in root.iter(q(BPMN, "participant")):
        read = any(participant.get("processRef") == process.get("id") for process in chosen)
        entries.append(
            ReportEntry(
                participant.get("id", ""),
                "participant",
                TRANSLATED if read else DROPPED,
                _("The pool names the workflow.") if read else _("A pool whose process is not imported."),
            )
        )
    for flow in root.iter(q(BPMN, "messageFlow")):
        entries.append(
            ReportEntry(flow.get("id", ""), "messageFlow", DROPPED, _("Messages between pools are not supported."))
        )
    for process in processes:
        if process not in chosen:
            entries.append(
                ReportEntry(
                    process.get("id", ""),
                    local_name(process.tag),
                    DROPPED,
                    _("Not imported: only executable processes with elements are, or the one chosen."),
                )
            )
    return entries


__all__ = ["ProcessImport", "ReportEntry", "UploadRefused", "bpmn_export", "bpmn_filename", "bpmn_read"]
