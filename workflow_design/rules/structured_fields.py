"""The other JSON fields: external references, layouts and role access lists.

Each has an editor schema for django-jsonform and an `*_errors` function whose messages name
the entry at fault. `field_schemas` holds the form field lists themselves.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from django.utils.translation import gettext as _

EXT_REF_EDITOR_SCHEMA: dict[str, Any] = {
    "type": "array",
    "title": "External references",
    "items": {
        "type": "object",
        "keys": {
            "system": {"type": "string", "title": "System", "required": True},
            "reference": {"type": "string", "title": "Reference", "required": True},
            "url": {"type": "string", "title": "URL"},
        },
    },
}

LAYOUT_EDITOR_SCHEMA: dict[str, Any] = {
    "type": "array",
    "title": "Sections",
    "items": {
        "type": "object",
        "title": "Section",
        "keys": {
            "title": {"type": "string", "title": "Section title"},
            "fields": {
                "type": "array",
                "title": "Field names, in order",
                "items": {"type": "string"},
            },
        },
    },
}


def role_access_editor_schema(role_choices: list[tuple[str, str]]) -> dict[str, Any]:
    """A multi-select of the company's own roles (choices are the company's role slugs)."""
    return {
        "type": "array",
        "title": "Company roles with access",
        "items": {
            "type": "string",
            "choices": [{"value": slug, "title": name} for slug, name in role_choices],
            "widget": "multiselect",
        },
    }


def ext_ref_errors(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        return [_("External references must be a list of {system, reference, url} entries.")]
    errors = []
    for position, entry in enumerate(value, start=1):
        if not isinstance(entry, dict):
            errors.append(_("Reference %(n)d is not a {system, reference, url} entry.") % {"n": position})
            continue
        unknown = sorted(set(entry) - {"system", "reference", "url"})
        if unknown:
            errors.append(_("Reference %(n)d: unknown keys %(keys)s.") % {"n": position, "keys": ", ".join(unknown)})
        for key in ("system", "reference"):
            if not isinstance(entry.get(key), str) or not entry.get(key, "").strip():
                errors.append(_("Reference %(n)d: %(key)s is required.") % {"n": position, "key": key})
        url = entry.get("url") or ""
        if url:
            parsed = urlparse(url) if isinstance(url, str) else None
            if parsed is None or parsed.scheme not in {"http", "https"} or not parsed.netloc:
                errors.append(_("Reference %(n)d: %(url)r is not an http(s) URL.") % {"n": position, "url": url})
    return errors


def layout_errors(value: Any, known_names: list[str]) -> list[str]:
    """Sections of field names; every name must be one of `known_names`, each at most once."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        return [_("A layout must be a list of sections, each with a title and a list of field names.")]
    errors = []
    placed: set[str] = set()
    known = set(known_names)
    for position, section in enumerate(value, start=1):
        if not isinstance(section, dict) or not isinstance(section.get("fields", []), list):
            errors.append(_("Section %(n)d is not a {title, fields} entry.") % {"n": position})
            continue
        title = section.get("title") or str(position)
        for name in section.get("fields") or []:
            if name not in known:
                errors.append(
                    _("Section %(title)s names the unknown field %(name)r; known fields: %(known)s.")
                    % {"title": title, "name": name, "known": ", ".join(known_names) or _("none")}
                )
            elif name in placed:
                errors.append(
                    _("Section %(title)s places the field %(name)r a second time.") % {"title": title, "name": name}
                )
            else:
                placed.add(name)
    return errors


def role_access_errors(value: Any, company_role_slugs: set[str]) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or any(not isinstance(v, str) for v in value):
        return [_("Role access must be a list of company role slugs.")]
    unknown = [slug for slug in value if slug not in company_role_slugs]
    if unknown:
        return [
            _("Unknown company role(s): %(unknown)s. This company's roles are: %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(sorted(company_role_slugs)) or _("none")}
        ]
    if len(set(value)) != len(value):
        return [_("A role is listed twice.")]
    return []
