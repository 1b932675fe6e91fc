"""What reading a file may cost: every input limit of every reader, and the one refusal.

Per-model files (CSV, XLSX, JSON rows), workflow bundles and JSON cells are all read within
these limits, whichever way they arrive (admin, API, command line). Each limit is a setting
(docs/file-formats.md lists them), read when it is asked, so an operator can tune it without a
restart of the code that imported it. A file over a limit is refused before it is parsed, or as
soon as the reader sees it is over, with `UploadRefused` and a message a creator can act on.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _


class UploadRefused(ValueError):
    """A file (or a cell) that is not read at all; the message says why in the creator's words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_upload_bytes() -> int:
    """Bytes of one file (or one request's document)."""
    return _setting("TICKETFLOWER_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)


def max_rows() -> int:
    """Data rows of one per-model file."""
    return _setting("TICKETFLOWER_IMPORT_MAX_ROWS", 10_000)


def max_columns() -> int:
    """Columns (cells a row) of one per-model file."""
    return _setting("TICKETFLOWER_IMPORT_MAX_COLUMNS", 100)


def max_cells() -> int:
    """Cells of one per-model file (rows times columns; in an XLSX every cell the sheet lists)."""
    return _setting("TICKETFLOWER_IMPORT_MAX_CELLS", 250_000)


def xlsx_max_elements() -> int:
    """XML elements of all the parts of an XLSX together (cells, values, strings, styles)."""
    return _setting("TICKETFLOWER_XLSX_MAX_ELEMENTS", 1_500_000)


def xlsx_max_entries() -> int:
    """Parts inside an XLSX (zip) container."""
    return _setting("TICKETFLOWER_XLSX_MAX_ENTRIES", 200)


def xlsx_max_uncompressed_bytes() -> int:
    """What the parts of an XLSX container may expand to, together."""
    return _setting("TICKETFLOWER_XLSX_MAX_UNCOMPRESSED_BYTES", 50 * 1024 * 1024)


def json_max_depth() -> int:
    """Nesting of a JSON document or value: files, cells, bundles and API request bodies."""
    return _setting("TICKETFLOWER_JSON_MAX_DEPTH", 40)


# Integers beyond this many digits are refused; far above any priority or bound a form needs.
JSON_MAX_NUMBER_DIGITS = 30


def size_text(size: int) -> str:
    """A size as a creator reads it: "5.0 MB", "12 KB"."""
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{max(size // 1024, 1)} KB"


# Checks --------------------------------------------------------------------------------


def ensure_size(size: int, *, limit: int | None = None) -> None:
    limit = max_upload_bytes() if limit is None else limit
    if size > limit:
        raise UploadRefused(
            _("The file is %(size)s; files up to %(limit)s can be imported.")
            % {"size": size_text(size), "limit": size_text(limit)}
        )


def read_limited(stream, *, limit: int | None = None) -> bytes:
    """Read a file object, refusing it as soon as it is larger than the limit (nothing parsed)."""
    limit = max_upload_bytes() if limit is None else limit
    size = getattr(stream, "size", None)
    if isinstance(size, int):
        ensure_size(size, limit=limit)
    data = stream.read(limit + 1)
    if isinstance(data, str):
        data = data.encode("utf-8")
    ensure_size(len(data), limit=limit)
    return data


def ensure_rows(count: int) -> None:
    if count > max_rows():
        raise UploadRefused(_("The file has more than %(n)d rows; split it into smaller files.") % {"n": max_rows()})


def ensure_row_position(position: int) -> None:
    """A file's rows are read one by one, blank rows too: a row at line or sheet row `position`
    costs all the rows before it, so the position is what counts, not the rows with content."""
    if position > max_rows() + 1:
        raise UploadRefused(
            _(
                "The file reaches row %(row)d; a file has at most a header and %(n)d rows, blank rows "
                "included. Delete the rows below your data or split the file."
            )
            % {"row": position, "n": max_rows()}
        )


def ensure_cells(count: int) -> None:
    if count > max_cells():
        raise UploadRefused(
            _("The file has more than %(n)d cells (rows times columns); split it into smaller files.")
            % {"n": max_cells()}
        )


def ensure_xlsx_elements(count: int) -> None:
    if count > xlsx_max_elements():
        raise UploadRefused(
            _("The XLSX file holds more than %(n)d XML elements; it is not a plain spreadsheet.")
            % {"n": xlsx_max_elements()}
        )


def ensure_columns(count: int) -> None:
    if count > max_columns():
        raise UploadRefused(_("The file has more than %(n)d columns.") % {"n": max_columns()})


def ensure_xlsx_container(entries: int, uncompressed: int) -> None:
    if entries > xlsx_max_entries():
        raise UploadRefused(
            _("The XLSX file holds more than %(n)d parts; it is not a plain spreadsheet.") % {"n": xlsx_max_entries()}
        )
    if uncompressed > xlsx_max_uncompressed_bytes():
        raise UploadRefused(
            _("The XLSX file would expand to %(size)s; at most %(limit)s is read.")
            % {"size": size_text(uncompressed), "limit": size_text(xlsx_max_uncompressed_bytes())}
        )


def json_too_deep() -> UploadRefused:
    return UploadRefused(_("The JSON is nested more than %(n)d levels deep.") % {"n": json_max_depth()})


def ensure_json_value_depth(value: Any) -> None:
    """Refuse a parsed JSON value (a file's, a cell's, an API body) that nests deeper than the limit.

    Walked level by level, containers only, not by recursion: a hostile value cannot exhaust
    Python's stack, and a long flat list costs one type check per item.
    """
    limit = json_max_depth()
    level = [value] if isinstance(value, dict | list) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            raise json_too_deep()
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]


def ensure_number_digits(token: str) -> None:
    if len(token.lstrip("-")) > JSON_MAX_NUMBER_DIGITS:
        raise UploadRefused(
            _("The file contains a number with more than %(n)d digits.") % {"n": JSON_MAX_NUMBER_DIGITS}
        )


def form_preview_max_bytes() -> int:
    """Bytes of the field list the form builder sends for its preview (one form, not a file)."""
    return _setting("TICKETFLOWER_FORM_PREVIEW_MAX_BYTES", 256 * 1024)


def dry_run_values_max_bytes() -> int:
    """Bytes of the sample values a dry-run link carries (`?values=`)."""
    return _setting("TICKETFLOWER_DRY_RUN_VALUES_MAX_BYTES", 64 * 1024)


def routing_query_timeout_ms() -> int:
    """Milliseconds the solver may spend on one question about one task's conditions."""
    return _setting("TICKETFLOWER_ROUTING_QUERY_TIMEOUT_MS", 2000)


def routing_workflow_budget_ms() -> int:
    """Milliseconds the routing analysis may spend on one workflow; tasks left over are named."""
    return _setting("TICKETFLOWER_ROUTING_WORKFLOW_BUDGET_MS", 4000)


def live_check_max_bytes() -> int:
    """Bytes of the unsaved state a workflow page sends to be checked while it is edited."""
    return _setting("TICKETFLOWER_LIVE_CHECK_MAX_BYTES", 4 * 1024 * 1024)


def live_check_max_rows() -> int:
    """Task and transition rows, together, of one unsaved state sent to be checked."""
    return _setting("TICKETFLOWER_LIVE_CHECK_MAX_ROWS", 5_000)


def dry_run_max_steps() -> int:
    """Steps one dry run may take (the API's `max_steps` and the admin's step limit)."""
    return _setting("TICKETFLOWER_DRY_RUN_MAX_STEPS", 500)


# Conditions and forms ----------------------------------------------------------------------
# What a transition's condition (CEL) and a form may cost. A condition within these limits is
# parsed, checked and evaluated without exhausting Python's stack, and its checked cost bounds
# what one evaluation may spend; the evaluator stops at the same number of steps. Raising the
# depth limit beyond its default can make deep conditions fail at evaluation instead.

# Forms: the defaults, as the messages and the docs name them.
FORM_MAX_FIELDS = 500
FIELD_MAX_CHOICES = 500


def condition_max_length() -> int:
    """Characters of one condition."""
    return _setting("TICKETFLOWER_CONDITION_MAX_LENGTH", 4_000)


def condition_max_nesting() -> int:
    """Brackets ((), [], {}) nested inside one another in a condition."""
    return _setting("TICKETFLOWER_CONDITION_MAX_NESTING", 8)


def condition_max_operator_run() -> int:
    """`!` and unary `-` in a row in a condition."""
    return _setting("TICKETFLOWER_CONDITION_MAX_OPERATOR_RUN", 8)


def condition_max_depth() -> int:
    """Levels of a condition's syntax tree (a bracket adds about 12, an operator of a chain 1 or 2).

    Evaluating one level takes about six Python frames: 100 levels (about 610 frames) stay
    inside the interpreter's default limit of 1,000 frames with room for what called the
    evaluation (a request, a command)."""
    return _setting("TICKETFLOWER_CONDITION_MAX_DEPTH", 100)


def condition_max_nodes() -> int:
    """Nodes of a condition's syntax tree (about a dozen per name, literal or operator)."""
    return _setting("TICKETFLOWER_CONDITION_MAX_NODES", 3_000)


def condition_max_comprehension_nesting() -> int:
    """Comprehensions (all, exists, exists_one, map, filter) nested inside one another."""
    return _setting("TICKETFLOWER_CONDITION_MAX_COMPREHENSION_NESTING", 2)


def condition_max_steps() -> int:
    """Evaluation steps of one condition: the cost the checker proves at save time (a
    comprehension costs its body once per item of what it ranges over) and the budget the
    evaluator stops at."""
    return _setting("TICKETFLOWER_CONDITION_MAX_STEPS", 10_000)


def dry_run_max_condition_steps() -> int:
    """Evaluation steps of all the conditions one dry run tries together."""
    return _setting("TICKETFLOWER_DRY_RUN_MAX_CONDITION_STEPS", 20_000)


def form_max_fields() -> int:
    """Fields of one form (a field list: ticket, workflow, task input or output)."""
    return _setting("TICKETFLOWER_FORM_MAX_FIELDS", FORM_MAX_FIELDS)


def field_max_choices() -> int:
    """Choices of one choice or multiple-choice field; also the most items a list value of a
    ticket can hold when the checker sizes a comprehension over a field it cannot size."""
    return _setting("TICKETFLOWER_FIELD_MAX_CHOICES", FIELD_MAX_CHOICES)


def bpmn_max_depth() -> int:
    """Nesting of a BPMN file's XML elements (a modeler's files stay well under 20)."""
    return _setting("TICKETFLOWER_BPMN_MAX_DEPTH", 40)


def bpmn_max_elements() -> int:
    """XML elements of one BPMN file, diagram shapes and extensions included."""
    return _setting("TICKETFLOWER_BPMN_MAX_ELEMENTS", 100_000)
