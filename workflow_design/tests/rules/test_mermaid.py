"""Mermaid text: whatever a creator types, a label stays one quoted label on one line."""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from workflow_design.rules.mermaid import mermaid_text

# What a quoted label may hold once escaped: no quote, bracket, pipe, angle bracket, backtick or
# line break; entity codes are `#<decimal>;`.
SAFE_LABEL = re.compile(r'^[^"\[\]{}()|<>`\r\n\t#&]*(#\d+;[^"\[\]{}()|<>`\r\n\t#&]*)*$')


@given(st.text(max_size=60))
def test_mermaid_text_of_any_title_is_one_safe_label(title):
    escaped = mermaid_text(title)
    assert SAFE_LABEL.match(escaped), escaped
    # Decoding the entity codes gives the title back (line breaks read as spaces).
    decoded = re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), escaped)
    assert decoded == re.sub(r"[\r\n\t]", " ", title)


def test_mermaid_text_keeps_plain_words_and_codes_the_rest():
    assert mermaid_text("Café review 2: ok?") == "Café review 2: ok?"
    assert mermaid_text('a "b" <c> & #d') == "a #34;b#34; #60;c#62; #38; #35;d"
    assert html.unescape(mermaid_text("x|y").replace("#", "&#")) == "x|y"
