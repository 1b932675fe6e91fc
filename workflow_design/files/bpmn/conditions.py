"""BPMN conditions (FEEL `= …`, JUEL `${…}`) translated to CEL, where they can be.

The subset translated: names (`amount`, `applicant.age`), numbers, strings, `true`/`false`,
comparisons (`=`, `==`, `!=`, `<`, `<=`, `>`, `>=`, and JUEL's `eq ne lt le gt ge`), `and`/`or`/
`not` (and `&&`, `||`, `!`, FEEL's `not(…)`), arithmetic, parentheses and `x in ["a", "b"]`.
Anything else (functions, ranges, filters, `instance of`…) is not translated: the caller keeps
the transition and reports why. A name is placed by `resolve(name)`, which says whether it is
the completed task's `output.` or a `workflow.` field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

MAX_TOKENS = 2_000
MAX_DEPTH = 40

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>\d+(?:\.\d+)?)
      | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
      | (?P<op>==|!=|<=|>=|&&|\|\||[=<>!+\-*/()\[\],])
    )""",
    re.VERBOSE,
)
_WORD_OPS = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "and": "&&", "or": "||"}
_COMPARISONS = {"=": "==", "==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
# Types a name takes from how a condition uses it (for a field the import declares).
BOOLEAN, NUMBER, TEXT = "boolean", "number", "text"


class Untranslatable(ValueError):
    pass


@dataclass
class Translation:
    cel: str | None
    reason: str = ""
    names: dict[str, str] = field(default_factory=dict)  # name → inferred type


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise Untranslatable(_("“%(text)s” is not in the translated subset.") % {"text": text[position:][:30]})
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "name" and value.lower() in _WORD_OPS:
            kind, value = "op", _WORD_OPS[value.lower()]
        elif kind == "name" and value in ("not",):
            kind = "op"
        tokens.append((kind, value))
        position = match.end()
        if len(tokens) > MAX_TOKENS:
            raise Untranslatable(_("The expression is longer than %(n)d tokens.") % {"n": MAX_TOKENS})
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], resolve: Callable[[str], str]) -> None:
        self.tokens, self.at, self.resolve = tokens, 0, resolve
        self.names: dict[str, str] = {}
        self.depth = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise Untranslatable(
                _("The expression is incomplete or has an unexpected “%(token)s”.")
                % {"token": token[1] if token else _("end")}
            )
        self.at += 1
        return token

    def nested(self, parse: Callable[[], tuple[str, str]]) -> tuple[str, str]:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Untranslatable(_("The expression is nested more than %(n)d levels deep.") % {"n": MAX_DEPTH})
        try:
            return parse()
        finally:
            self.depth -= 1

    # Each level returns (CEL text, the type it has when known: "" otherwise).
    def expression(self) -> tuple[str, str]:
        return self.nested(self.disjunction)

    def disjunction(self) -> tuple[str, str]:
        return self.chain("||", self.conjunction)

    def conjunction(self) -> tuple[str, str]:
        return self.chain("&&", self.negation)

    def chain(self, operator: str, operand: Callable[[], tuple[str, str]]) -> tuple[str, str]:
        text, kind = operand()
        parts = [text]
        while self.peek() == ("op", operator):
            self.take()
            parts.append(self.boolean(operand()))
        if len(parts) == 1:
            return text, kind
        parts[0] = self.boolean((text, kind))
        return f" {operator} ".join(parts), BOOLEAN

    def boolean(self, operand: tuple[str, str]) -> str:
        text, kind = operand
        self.settle(text, BOOLEAN)
        return text

    def settle(self, text: str, kind: str) -> None:
        """A bare name used as `kind`: remember it, so the import declares the field so."""
        for name, cel in self.names.items():
            if cel == "" and text == self.resolve(name):
                self.names[name] = kind

    def negation(self) -> tuple[str, str]:
        if self.peek() in (("op", "!"), ("op", "not")):
            self.take()
            return f"!({self.boolean(self.nested(self.negation))})", BOOLEAN
        return self.comparison()

    def comparison(self) -> tuple[str, str]:
        left, left_kind = self.additive()
        token = self.peek()
        if token and token[0] == "op" and token[1] in _COMPARISONS:
            self.take()
            right, right_kind = self.additive()
            self.settle(left, right_kind)
            self.settle(right, left_kind)
            return f"{left} {_COMPARISONS[token[1]]} {right}", BOOLEAN
        if token == ("name", "in"):
            self.take()
            items, kind = self.list_literal()
            self.settle(left, kind)
            return f"{left} in {items}", BOOLEAN
        return left, left_kind

    def additive(self) -> tuple[str, str]:
        return self.arithmetic(("+", "-"), self.multiplicative)

    def multiplicative(self) -> tuple[str, str]:
        return self.arithmetic(("*", "/"), self.unary)

    def arithmetic(self, operators: tuple[str, ...], operand: Callable[[], tuple[str, str]]) -> tuple[str, str]:
        text, kind = operand()
        while (token := self.peek()) and token[0] == "op" and token[1] in operators:
            self.take()
            right, _right_kind = operand()
            self.settle(text, NUMBER)
            self.settle(right, NUMBER)
            text, kind = f"{text} {token[1]} {right}", NUMBER
        return text, kind

    def unary(self) -> tuple[str, str]:
        if self.peek() == ("op", "-"):
            self.take()
            text, _kind = self.nested(self.unary)
            return f"-{text}", NUMBER
        return self.primary()

    def list_literal(self) -> tuple[str, str]:
        closing = {"[": "]", "(": ")"}.get(self.take()[1])
        if closing is None:
            raise Untranslatable(_("`in` is translated only before a list of values."))
        items, kind = [], ""
        while self.peek() != ("op", closing):
            text, kind = self.primary()
            items.append(text)
            if self.peek() == ("op", ","):
                self.take()
        self.take(closing)
        return "[" + ", ".join(items) + "]", kind

    def primary(self) -> tuple[str, str]:
        kind, value = self.take()
        if kind == "number":
            return value, NUMBER
        if kind == "string":
            return json.dumps(value[1:-1].replace("\\'", "'").replace('\\"', '"')), TEXT
        if kind == "name":
            if value in ("true", "false"):
                return value, BOOLEAN
            if value == "null":
                return "null", ""
            if self.peek() == ("op", "("):
                raise Untranslatable(_("Function calls such as “%(name)s(…)” are not translated.") % {"name": value})
            root = value.split(".", 1)[0]
            self.names.setdefault(root, "")
            return self.resolve(root) + value[len(root) :], ""
        if value == "(":
            text, inner = self.expression()
            self.take(")")
            return f"({text})", inner
        if value == "[":
            self.at -= 1
            return self.list_literal()
        raise Untranslatable(_("“%(token)s” is not in the translated subset.") % {"token": value})


def strip_language_marks(text: str) -> str:
    """The expression inside FEEL's leading `=` or JUEL's `${…}` / `#{…}`."""
    text = text.strip()
    if text.startswith("=") and not text.startswith("=="):
        return text[1:].strip()
    if text[:2] in ("${", "#{") and text.endswith("}"):
        return text[2:-1].strip()
    return text


def translate_condition(text: str, resolve: Callable[[str], str]) -> Translation:
    """CEL for a BPMN condition, or `cel=None` with the reason it was not translated."""
    expression = strip_language_marks(text)
    if not expression:
        return Translation(cel="")
    try:
        parser = _Parser(_tokens(expression), resolve)
        cel, kind = parser.expression()
        if parser.peek() is not None:
            raise Untranslatable(
                _("“%(rest)s” after the expression is not in the translated subset.")
                % {"rest": " ".join(value for _kind, value in parser.tokens[parser.at :])[:40]}
            )
        parser.settle(cel, BOOLEAN)
    except Untranslatable as exc:
        return Translation(cel=None, reason=str(exc))
    return Translation(cel=cel, names={name: kind or BOOLEAN for name, kind in parser.names.items()})
