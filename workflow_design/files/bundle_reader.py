"""The one reader of workflow bundles, for every way one arrives: admin, API and command line.

It reads the bytes within the limits of `workflow_design.files.limits` (size first, then text
encoding, nesting and numbers, then the characters its text may hold) and gives the JSON object,
or refuses with `UploadRefused` and one message per cause. What the object holds is checked afterwards, path by path, by
`files.bundles.bundle_parse` when the bundle is imported.
"""

from __future__ import annotations

from typing import IO, Any

from ticketflower import text_hygiene
from workflow_design.files import limits, uploads
from workflow_design.files.bundles import NOT_AN_OBJECT
from workflow_design.files.limits import UploadRefused


def read_bundle(source: bytes | str | IO[bytes] | dict | list) -> dict[str, Any]:
    """The JSON object of a bundle.

    `source` is the file's bytes or text, an open file (an upload, a file on disk, standard
    input: read no further than one byte past the size limit), or a value a JSON request body
    was already parsed into (its nesting is checked). Raises `UploadRefused`.
    """
    if isinstance(source, dict | list):
        limits.ensure_json_value_depth(source)
        document = source
    else:
        if isinstance(source, str):
            source = source.encode("utf-8")
        elif not isinstance(source, bytes):
            source = limits.read_limited(source)
        document = uploads.safe_json_loads(source)
    if not isinstance(document, dict):
        raise UploadRefused(str(NOT_AN_OBJECT))
    # The models refuse such text too; here the whole document is refused before any of it is
    # written, role names included, naming the entry (a NUL would otherwise reach the database).
    problem = text_hygiene.json_text_problem(document)
    if problem:
        raise UploadRefused(problem)
    return document


__all__ = ["UploadRefused", "read_bundle"]
