"""The benchmark's result table: one row a target, grouped by part, as text or Markdown."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Row:
    target: str
    measured: str
    limit: str
    ok: bool | None  # None: reported for information, no limit

    @property
    def verdict(self) -> str:
        return "INFO" if self.ok is None else ("PASS" if self.ok else "FAIL")


class Report:
    def __init__(self) -> None:
        self.sections: list[tuple[str, list[Row]]] = []

    def section(self, title: str) -> list[Row]:
        rows: list[Row] = []
        self.sections.append((title, rows))
        return rows

    def text(self) -> str:
        rows = [r for _, section in self.sections for r in section]
        w_target = max([len("target")] + [len(r.target) for r in rows])
        w_measured = max([len("measured")] + [len(r.measured) for r in rows])
        w_limit = max([len("limit")] + [len(r.limit) for r in rows])
        line = f"{'target':<{w_target}}  {'measured':<{w_measured}}  {'limit':<{w_limit}}  result"
        out = [line, "-" * len(line)]
        for title, section in self.sections:
            out.append(f"[{title}]")
            for r in section:
                out.append(f"{r.target:<{w_target}}  {r.measured:<{w_measured}}  {r.limit:<{w_limit}}  {r.verdict}")
        return "\n".join(out)

    def markdown(self) -> str:
        out = ["| target | measured | limit | result |", "| --- | --- | --- | --- |"]
        for title, section in self.sections:
            out.append(f"| **{title}** | | | |")
            for r in section:
                verdict = f"**{r.verdict}**" if r.verdict == "FAIL" else r.verdict
                out.append(f"| {r.target} | {r.measured} | {r.limit} | {verdict} |")
        return "\n".join(out)

    def failures(self) -> list[Row]:
        return [r for _, section in self.sections for r in section if r.ok is False]
