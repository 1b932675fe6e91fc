"""Reading BPMN 2.0 XML safely: no DTD, no entities, no network, within size, depth and element limits.

defusedxml refuses document type declarations and entities before anything is expanded; the
parse is streamed (`iterparse`) so a file too deep or with too many elements is refused as soon
as the reader sees it is, not after building it.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET  # noqa: S405 - only for the element type; parsing is defusedxml's
from typing import IO

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.utils.translation import gettext as _

from workflow_design.files import limits
from workflow_design.files.limits import UploadRefused

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
ZEEBE = "http://camunda.org/schema/zeebe/1.0"
# Our own data (slugs, field lists, CEL, priorities, roles) rides in this namespace, which other
# tools keep and ignore, so export → import gives back what BPMN cannot say.
TICKETFLOWER = "urn:ticketflower:bpmn:1"
CEL_LANGUAGE = "https://github.com/google/cel-spec"


def q(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def namespace_of(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def read_bpmn_xml(source: bytes | str | IO[bytes]) -> ET.Element:
    """The root element of a BPMN document, or `UploadRefused` saying which limit or rule it broke."""
    if isinstance(source, str):
        source = source.encode("utf-8")
    elif not isinstance(source, bytes):
        source = limits.read_limited(source)
    if len(source) > limits.max_upload_bytes():
        raise UploadRefused(
            _("The file is larger than %(limit)s.") % {"limit": limits.size_text(limits.max_upload_bytes())}
        )
    max_depth, max_elements = limits.bpmn_max_depth(), limits.bpmn_max_elements()
    depth = elements = 0
    root = None
    try:
        for event, element in iterparse(
            io.BytesIO(source), events=("start", "end"), forbid_dtd=True, forbid_entities=True, forbid_external=True
        ):
            if event == "start":
                depth += 1
                elements += 1
                if root is None:
                    root = element
                if depth > max_depth:
                    raise UploadRefused(_("The XML is nested more than %(limit)d levels deep.") % {"limit": max_depth})
                if elements > max_elements:
                    raise UploadRefused(_("The XML has more than %(limit)d elements.") % {"limit": max_elements})
            else:
                depth -= 1
    except DefusedXmlException:
        raise UploadRefused(
            _("The XML declares a document type or entities, which are not accepted (they can expand or fetch data).")
        ) from None
    except ET.ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise UploadRefused(
            _("This is not well-formed XML (line %(line)d, column %(column)d).") % {"line": line, "column": column}
        ) from None
    if root is None or root.tag != q(BPMN, "definitions"):
        raise UploadRefused(_("This is not a BPMN 2.0 file: its root element is not bpmn:definitions."))
    return root
