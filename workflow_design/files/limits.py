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


def _too_deep() -> UploadRefused:
    return UploadRefused(_("The JSON is nested more than %(n)d levels deep.") % {"n": json_max_depth()})


def ensure_json_depth(deepest: int) -> None:
    """Refuse JSON text whose brackets (counted outside strings) nest deeper than the limit."""
    if deepest > json_max_depth():
        raise _too_deep()


def ensure_json_value_depth(value: Any) -> None:
    """Refuse an already parsed JSON value (an API body) that nests deeper than the limit.

    Walked with a stack, not by recursion, so a hostile value cannot exhaust Python's stack.
    """
    limit = json_max_depth()
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            raise _too_deep()
        stack.extend((child, depth + 1) for child in children)


def ensure_number_digits(token: str) -> None:
    if len(token.lstrip("-")) > JSON_MAX_NUMBER_DIGITS:
        raise UploadRefused(
            _("The file contains a number with more than %(n)d digits.") % {"n": JSON_MAX_NUMBER_DIGITS}
        )
