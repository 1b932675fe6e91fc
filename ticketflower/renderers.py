"""The API's JSON renderer: DRF's own output, written by orjson.

Replaces DRF's `JSONRenderer` (the standard library's encoder) as the API's default renderer;
its saving on a list page is recorded in docs/performance.md (REST API lists). It can go when
DRF's own renderer writes a 100-row page within the API list targets there.
"""

from __future__ import annotations

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

# Dict and list subclasses (DRF's ReturnDict/ReturnList) are written as such. Date-times and
# dataclasses go to DRF's encoder, as they do under the stock renderer, so they read the same.
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_drf_default = JSONEncoder().default


class FastJSONRenderer(renderers.JSONRenderer):
    """DRF's `JSONRenderer` output, written by orjson.

    Anything orjson will not write the way the stock renderer does goes to the stock renderer:
    indented output (`Accept: application/json; indent=4`, the browsable API), integers beyond
    64 bits, and whatever DRF's encoder refuses (which then fails there, as before). Two
    differences remain, neither changing a value: exponents are written the short way (`1e-7`,
    not `1e-07`), and a float that is not finite is written as `null` where the stock renderer
    refuses it (the API's input parser never accepts one).
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        indent = self.get_indent(accepted_media_type, renderer_context or {})
        if indent is not None or self.ensure_ascii or not self.compact:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            rendered = orjson.dumps(data, default=_drf_default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        # As the stock renderer: U+2028 and U+2029 escaped, so the output is also valid JavaScript.
        if b"\xe2\x80" in rendered:
            rendered = rendered.replace("\u2028".encode(), b"\\u2028").replace("\u2029".encode(), b"\\u2029")
        return rendered
