"""The fidelity report of a BPMN import: what became of each element of the file, and why.

Each entry names the element by id and type, says whether it was kept, translated, approximated
or dropped, and points at it in the XML (an XPath), as the bundle import's findings point into
the JSON.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

KEPT, TRANSLATED, APPROXIMATED, DROPPED = "kept", "translated", "approximated", "dropped"

# Elements that carry no routing: what they held is not kept, and the report says so.
NOT_KEPT = {
    "dataObject": _("Data objects are not part of a workflow."),
    "dataObjectReference": _("Data objects are not part of a workflow."),
    "dataStoreReference": _("Data stores are not part of a workflow."),
    "textAnnotation": _("Annotations are not kept."),
    "association": _("Associations (of annotations and data) are not kept."),
    "dataInputAssociation": _("Data associations are not kept."),
    "dataOutputAssociation": _("Data associations are not kept."),
    "group": _("Groups are not kept."),
    "property": _("Process properties are not kept."),
    "ioSpecification": _("Input and output specifications are not kept."),
}


def _xpath_literal(text: str) -> str:
    """`text` as an XPath 1.0 string literal (which has no escapes: a quote needs the other one)."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "concat(" + ', "\'", '.join(f"'{part}'" for part in text.split("'")) + ")"


@dataclass
class ReportEntry:
    element_id: str
    element_type: str
    outcome: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        # `pointer`: where in the XML, the element with this id.
        where = f"//*[@id={_xpath_literal(self.element_id)}]" if self.element_id else "/"
        return {**asdict(self), "code": f"bpmn-{self.outcome}", "pointer": where}


@dataclass
class ProcessImport:
    """One BPMN process read as a bundle document, with its report."""

    process_id: str
    bundle: dict[str, Any]
    report: list[ReportEntry] = field(default_factory=list)
