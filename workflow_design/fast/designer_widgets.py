"""The designer's row widgets written in Python, with the markup of Django's widget templates.

Replaces: Django's template rendering of the inputs, selects and textareas of the workflow
page's task and transition rows (`django/forms/widgets/*.html` and the admin's
`related_widget_wrapper.html`). Through the template engine each widget costs an include per
attribute list and per option, and a 200-task workflow page has some 5,000 of them; written
here, a column of rows that differ only in name, value and index also writes its attributes
and a select's options once (`column_renderer`). The saving is recorded in docs/performance.md
(admin workflow change page); `tests/admin/test_admin_designer.py` checks the rows are the ones
the forms would write.

Can go when Django's template rendering of a 200-task workflow page meets the change page's
render-time target of docs/performance.md without it (set the inline formset's renderer back to
the form renderer and run `bench/run.py`, part 1).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.forms.renderers import DjangoTemplates
from django.forms.widgets import ChoiceWidget, Input
from django.utils.formats import localize


class RowSelect(forms.Select):
    """A select that renders with `PythonWidgetRenderer` also inside the admin's related-widget
    wrapper, which renders the widget it wraps without the form's renderer."""

    def render(self, name, value, attrs=None, renderer=None):
        return super().render(name, value, attrs, PYTHON_WIDGETS)


def escape(value) -> str:
    # conditional_escape without its check for lazy arguments, which cost more than the
    # escaping itself over the 30,000 values of a large workflow page.
    if type(value) is str:
        return html.escape(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


_escaped_names: dict[str, str] = {}


def html_attrs(attrs: dict[str, Any]) -> str:
    """Attributes as Django's `attrs.html` writes them: True as a bare name, False left out."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        # Attribute names come from code and repeat on every row: escaped once each.
        escaped = _escaped_names.get(name)
        if escaped is None:
            escaped = _escaped_names.setdefault(str(name), escape(name))
        out.append(f" {escaped}" if value is True else f' {escaped}="{escape(value)}"')
    return "".join(out)


def _text(value) -> str:
    # What `{{ value }}` writes: localized numbers and dates, escaped text.
    return escape(value if isinstance(value, str) else localize(value))


def _input(widget: dict) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{escape(value)}"'
    return (
        f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"{shown}{html_attrs(widget["attrs"])}>'
    )


def _select(widget: dict) -> str | None:
    parts = [f'<select name="{escape(widget["name"])}"{html_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in options:
            if option["template_name"] != SELECT_OPTION_TEMPLATE:
                return None
            parts.append(
                f'\n  <option value="{escape(option["value"])}"'
                f"{html_attrs(option['attrs'])}>{_text(option['label'])}</option>"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _textarea(widget: dict) -> str:
    value = widget["value"]
    return (
        f'<textarea name="{escape(widget["name"])}"{html_attrs(widget["attrs"])}>\n'
        f"{_text(value) if value else ''}</textarea>"
    )


SELECT_OPTION_TEMPLATE = "django/forms/widgets/select_option.html"
_IN_PYTHON = {
    **{
        f"django/forms/widgets/{kind}.html": _input
        for kind in ("input", "text", "number", "email", "url", "hidden", "checkbox", "password", "date", "time")
    },
    "django/forms/widgets/select.html": _select,
    "django/forms/widgets/textarea.html": _textarea,
}


def column_renderer(widget: forms.Widget, attrs: dict[str, Any], slot: str) -> Callable[[str, Any, str], str] | None:
    """A render of `widget` for a column of table rows that differ only in name, value and the
    row index written in place of `slot` in `attrs`: the attributes (and a select's options)
    are written once, not once per row. Inputs, textareas and single selects that keep
    Django's own context qualify, also inside the admin's related-object wrapper without
    links; for any other widget the answer is None and the row renders it as usual.
    """
    if isinstance(widget, RelatedFieldWidgetWrapper):
        return _wrapper_column(widget, attrs, slot)
    build = _IN_PYTHON.get(widget.template_name)
    kind = type(widget)
    if build is _select:
        return _select_column(widget, attrs, slot)
    # A widget may write markup after its input (`html_after_input`, which its render adds).
    after = getattr(widget, "html_after_input", None)
    plain = (
        (kind.render is forms.Widget.render or after is not None)
        and kind.build_attrs is forms.Widget.build_attrs
        and kind.get_context in (forms.Widget.get_context, Input.get_context)
    )
    if not plain or build not in (_input, _textarea) or (after is not None and build is not _input):
        return None
    attrs_html = html_attrs(widget.build_attrs(widget.attrs, attrs))
    if build is _textarea:

        def render_textarea(name: str, value: Any, index: str) -> str:
            value = widget.format_value(value)
            text = _text(value) if value else ""
            return f'<textarea name="{escape(name)}"{attrs_html.replace(slot, index)}>\n{text}</textarea>'

        return render_textarea
    start = f'<input type="{escape(widget.input_type)}" name="'

    def render_input(name: str, value: Any, index: str) -> str:
        formatted = widget.format_value(value)
        shown = "" if formatted is None else f' value="{escape(formatted)}"'
        written = f'{start}{escape(name)}"{shown}{attrs_html.replace(slot, index)}>'
        return written if after is None else written + after(value)

    return render_input


def _select_column(widget: forms.Select, attrs: dict[str, Any], slot: str) -> Callable[[str, Any, str], str] | None:
    # A single select over a flat list of choices, with Django's own options: each option is
    # written once selected and once not, and a row picks the first one its value names.
    kind = type(widget)
    plain = (
        kind.render in (forms.Widget.render, RowSelect.render)
        and kind.get_context is forms.Select.get_context
        and kind.optgroups is ChoiceWidget.optgroups
        and kind.create_option is ChoiceWidget.create_option
        and not widget.allow_multiple_selected
        and not widget.option_inherits_attrs
        and widget.option_template_name == SELECT_OPTION_TEMPLATE
    )
    choices = [("" if value is None else value, label) for value, label in widget.choices] if plain else []
    if not plain or any(isinstance(label, (list, tuple)) for _value, label in choices):
        return None
    options = [
        (str(value), f'\n  <option value="{escape(value)}"{on}>{_text(label)}</option>')
        for value, label in choices
        for on in ("", " selected")
    ]
    unselected, selected = options[0::2], options[1::2]
    attrs_html = html_attrs(widget.build_attrs(widget.attrs, attrs))

    def render_select(name: str, value: Any, index: str) -> str:
        values = widget.format_value(value)
        parts = [f'<select name="{escape(name)}"{attrs_html.replace(slot, index)}>']
        chosen = False
        for (key, plain_option), (_key, chosen_option) in zip(unselected, selected, strict=True):
            if not chosen and key in values:
                chosen = True
                parts.append(chosen_option)
            else:
                parts.append(plain_option)
        parts.append("\n</select>")
        return "".join(parts)

    return render_select


def _wrapper_column(
    wrapper: RelatedFieldWidgetWrapper, attrs: dict[str, Any], slot: str
) -> Callable[[str, Any, str], str] | None:
    links = (wrapper.can_add_related, wrapper.can_change_related, wrapper.can_delete_related, wrapper.can_view_related)
    inner = column_renderer(wrapper.widget, attrs, slot)
    if inner is None or (not wrapper.is_hidden and any(links)):
        return None
    rel = wrapper.rel
    ref = "" if rel.limit_choices_to else f' data-model-ref="{escape(rel.model._meta.model_name)}"'

    def render_wrapped(name: str, value: Any, index: str) -> str:
        return f'<div class="related-widget-wrapper"{ref}>\n    {inner(name, value, index)}\n</div>'

    return render_wrapped


def _related_wrapper(context: dict) -> str | None:
    # The admin's wrapper of a related-object select: with no add, change, delete or view
    # link (the designer's rows offer none to most users) it is a plain div.
    links = ("can_add_related", "can_change_related", "can_delete_related", "can_view_related")
    if not context["is_hidden"] and any(context[name] for name in links):
        return None
    ref = "" if context["model_has_limit_choices_to"] else f' data-model-ref="{escape(context["model_name"])}"'
    return f'<div class="related-widget-wrapper"{ref}>\n    {context["rendered_widget"]}\n</div>'


RELATED_WRAPPER_TEMPLATE = "admin/widgets/related_widget_wrapper.html"


class PythonWidgetRenderer(DjangoTemplates):
    """Renders inputs, selects and textareas in Python, with the markup of Django's templates.

    Through the template engine each widget costs an include per attribute list and per option;
    a 200-task workflow page has some 5,000 of them. Every other template (error lists,
    editors, a related-object wrapper with links) is rendered by the templates as usual.
    """

    def render(self, template_name, context, request=None):
        if template_name == RELATED_WRAPPER_TEMPLATE:
            written = _related_wrapper(context)
        else:
            build = _IN_PYTHON.get(template_name)
            written = build(context["widget"]) if build is not None else None
        return written if written is not None else super().render(template_name, context, request)


PYTHON_WIDGETS = PythonWidgetRenderer()
