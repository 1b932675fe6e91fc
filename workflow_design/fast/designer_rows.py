"""The workflow page's task and transition rows, written without a form per saved row.

Replaces: Django admin's tabular inline rendering (`edit_inline/tabular.html` and its
`InlineAdminFormSet` iteration) for the designer's inlines. Django builds a form for each row
and renders each cell through some 25 template nodes; with 200 tasks and 600 transitions that
was most of the page's time. Here the rows are written in Python with the template's markup
(ids, classes, error lists, change links) that the admin's inline script and the tests rely
on, and on a page opened for editing the saved rows are written from one `RowPlan` taken from
the formset's empty form (`DesignerInlineAdminFormSet.light_rows = False` writes every row
from its own form; `tests/admin/test_admin_designer.py` compares both). Lazy translations of
the rows' fields are looked up once per page (`translated_now`), and a formset answers
`is_multipart` and `media` from its empty form instead of building every row. The saving is
recorded in docs/performance.md (admin workflow change page).

Can go when Django's own tabular inline renders a 200-task, 600-transition workflow page
within the change page's targets of docs/performance.md (use Django's `InlineAdminFormSet`
and `tabular.html` again and run `bench/run.py`, part 1).
"""

from __future__ import annotations

import copy
import json

from django import forms
from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_modify import cell_count
from django.contrib.admin.utils import quote
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils.functional import Promise, cached_property
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from workflow_design.admin.widgets import SharedSchemaJSONFormWidget
from workflow_design.fast.designer_widgets import PYTHON_WIDGETS, column_renderer


class EmptyFormAnswersMixin:
    """A formset whose rows all have the empty form's fields and widgets answers from it.

    The admin asks every inline on every page whether it needs a multipart form and what media
    it needs; asking the empty form spares building 800 row forms for the two questions.
    """

    def is_multipart(self):
        return self.empty_form.is_multipart()

    @property
    def media(self):
        return self.empty_form.media

    def __getitem__(self, index):
        # A template looks `formset.prefix` up as a key first; a formset answers a key by
        # building all its forms, which the saved rows of a page opened for editing skip.
        if not isinstance(index, (int, slice)):
            raise TypeError("formset rows are looked up by position")
        return super().__getitem__(index)


def translated_now(field: forms.Field) -> forms.Field:
    """The field with its help text and widget attributes translated once for the page.

    Lazy translations are looked up again at each use: every row asks whether its fields have
    help text (for aria-describedby) and writes their placeholders, 10,000 look-ups on a
    large workflow page.
    """
    inner = getattr(field.widget, "widget", None)  # the admin's related-widget wrapper
    widgets = [field.widget] if inner is None else [field.widget, inner]
    lazy = isinstance(field.help_text, Promise) or any(
        isinstance(value, Promise) for widget in widgets for value in widget.attrs.values()
    )
    if not lazy:
        return field
    field = copy.deepcopy(field)
    field.help_text = str(field.help_text)
    inner = getattr(field.widget, "widget", None)
    for widget in [field.widget] if inner is None else [field.widget, inner]:
        widget.attrs = {key: str(value) if isinstance(value, Promise) else value for key, value in widget.attrs.items()}
    return field


ROW_PREFIX = "__prefix__"  # the index slot of a formset's empty form


class SavedRow:
    """A saved row of a page opened for editing, written from `RowPlan` without a form."""

    form = None

    def __init__(self, original, index: int, view_on_site_url: str | None) -> None:
        self.original = original
        self.index = index
        self.show_url = original and view_on_site_url is not None
        self.absolute_url = view_on_site_url


class RowPlan:
    """What every saved row of an unbound inline shares, taken once from its empty form.

    A page opened for editing shows each saved row with its stored values and no errors, so
    a row differs from the empty form only in its index and values. Each widget's attributes
    (classes, bounds, aria-describedby, placeholders) are worked out once by the empty form's
    own bound fields; a row puts in its index and renders the widgets with its values. This
    spares building a form for each of 800 rows. Bound forms (a refused save) and read-only
    rows are built and rendered by the admin as usual.
    """

    def __init__(self, inline_admin_formset: helpers.InlineAdminFormSet) -> None:
        formset = inline_admin_formset.formset
        self.form = form = formset.empty_form
        self.template = helpers.InlineAdminForm(
            formset,
            form,
            inline_admin_formset.fieldsets,
            inline_admin_formset.prepopulated_fields,
            None,
            inline_admin_formset.readonly_fields,
            model_admin=inline_admin_formset.opts,
        )
        self.pk_name = formset.model._meta.pk.name
        self.hidden = [self.pk_name] if self.template.needs_explicit_pk_field() else []
        fk = getattr(formset, "fk", None)
        if fk is not None:
            self.hidden.append(fk.name)
        self.columns = [field for fieldset in self.template for line in fieldset for field in line]
        self.usable = all(not field.is_readonly for field in self.columns)
        self.widgets = {}
        for name in [*self.hidden, *(field.field.name for field in self.columns), DELETION_FIELD_NAME]:
            if name in form.fields:
                self.widgets[name] = self._widget_plan(form[name])

    def _widget_plan(self, bound) -> dict:
        widget = bound.field.widget
        if isinstance(widget, SharedSchemaJSONFormWidget):
            widget = widget.closed()  # as a saved task's form writes it (forms.close_editors)
        if bound.field.localize:
            widget.is_localized = True
        # The attributes BoundField.as_widget gives the widget, with the empty form's index.
        attrs = bound.build_widget_attrs({}, widget)
        if bound.auto_id and "id" not in widget.attrs:
            attrs.setdefault("id", bound.auto_id)
        indexed = {key for key, value in attrs.items() if isinstance(value, str) and ROW_PREFIX in value}
        if indexed - {"id", "aria-describedby"}:
            self.usable = False  # an attribute this plan does not know how to index
        hidden_initial = None
        if bound.field.show_hidden_initial:
            hidden = bound.field.hidden_widget()
            hidden_attrs = {**bound.build_widget_attrs({}, hidden), "id": bound.html_initial_id}
            hidden_initial = column_renderer(hidden, hidden_attrs, ROW_PREFIX)
            if hidden_initial is None:
                self.usable = False
        return {
            "field": bound.field,
            "widget": widget,
            "attrs": attrs,
            "indexed": indexed,
            "name": bound.html_name,
            "initial_name": bound.html_initial_name,
            "column": column_renderer(widget, attrs, ROW_PREFIX),
            "hidden_initial": hidden_initial,
        }

    def values(self, original) -> dict:
        """The row's initial values, as its ModelForm would take them from the instance."""
        # The form's fields name the model fields it shows, as its Meta does.
        values = model_to_dict(original, fields=list(self.form.fields))
        values[self.pk_name] = original.pk
        return values

    def widget_html(self, name: str, index: int, values: dict) -> str:
        plan = self.widgets[name]
        field, slot = plan["field"], str(index)
        value = values.get(name, field.initial)
        value = field.prepare_value(value() if callable(value) else value)
        name = plan["name"].replace(ROW_PREFIX, slot)
        if plan["column"] is not None:
            html = plan["column"](name, value, slot)
        else:
            attrs = dict(plan["attrs"])
            for key in plan["indexed"]:
                attrs[key] = attrs[key].replace(ROW_PREFIX, slot)
            html = plan["widget"].render(name, value, attrs, PYTHON_WIDGETS)
        if plan["hidden_initial"] is not None:
            html += plan["hidden_initial"](plan["initial_name"].replace(ROW_PREFIX, slot), value, slot)
        return html


class DesignerInlineAdminFormSet(helpers.InlineAdminFormSet):
    """The admin's tabular inline with its rows written in Python (`rows_html`).

    Django's tabular template costs some 25 template nodes per cell; with 200 tasks and 600
    transitions that was most of the page's time. The rows keep the template's markup (ids,
    classes, error lists, change links) that the admin's inline script and the tests rely on.
    On a page opened for editing, saved rows are written from one `RowPlan` instead of a form
    each; `light_rows = False` writes every row from its own form (the tests compare both).
    """

    light_rows = True

    @classmethod
    def wrapping(cls, inline_admin_formset: helpers.InlineAdminFormSet) -> DesignerInlineAdminFormSet:
        # The admin builds its own wrapper; this one takes over its state unchanged.
        wrapper = cls.__new__(cls)
        wrapper.__dict__.update(inline_admin_formset.__dict__)
        return wrapper

    # Past this many rows a table gets its blank row when its end comes near the screen
    # (designer.js); a shorter one gets it at once.
    LONG_TABLE_ROWS = 40

    @property
    def is_long(self) -> bool:
        return self.formset.total_form_count() > self.LONG_TABLE_ROWS

    @property
    def placeholder_height(self) -> int:
        """Pixels the table is taken to fill before it is first laid out (designer.css).

        Near the real height, the page's scrollbar and a jump into the table land where the
        rows will be; once laid out, the browser keeps the real height.
        """
        rows = self.formset.total_form_count() + 2  # the rows, the blank row and "Add another"
        return 120 + rows * getattr(self.opts, "row_height_estimate", 60)

    @property
    def media(self):
        # Every row has the same widgets: the formset's media stands for all, where the admin
        # would merge the media of each of 800 rows.
        return self.opts.media + self.formset.media

    @cached_property
    def row_plan(self) -> RowPlan | None:
        formset = self.formset
        if not self.light_rows or formset.is_bound or not self.has_change_permission:
            return None
        if formset.total_form_count() != formset.initial_form_count():
            return None  # extra rows are built by the admin
        plan = RowPlan(self)
        return plan if plan.usable else None

    def __iter__(self):
        plan = self.row_plan
        if plan is None:
            yield from super().__iter__()
            return
        for index, original in enumerate(self.formset.get_queryset()):
            yield SavedRow(original, index, self.opts.get_view_on_site_url(original))
        if self.has_add_permission:
            yield plan.template

    def rows_html(self):
        formset = self.formset
        prefix = formset.prefix
        rows = list(self)
        plan = self.row_plan
        show_delete = formset.can_delete and self.has_delete_permission
        change_link = self._change_link()
        out = []
        for number, row in enumerate(rows):
            form = row.form
            is_template = number == len(rows) - 1 and self.has_add_permission
            if form is not None and form.non_field_errors():
                out.append(
                    f'<tr class="row-form-errors"><td colspan="{cell_count(row)}">{form.non_field_errors()}</td></tr>'
                )
            classes = "form-row"
            if row.original or row.show_url:
                classes += " has_original"
            if is_template:
                classes += " empty-form"
            out.append(
                f'<tr class="{classes}" id="{prefix}-{"empty" if is_template else number}"><td class="original">'
            )
            if row.original or row.show_url:
                out.append("<p>")
                if row.original:
                    out.append(str(conditional_escape(row.original)))
                    if change_link:
                        out.append(" " + change_link.format(pk=conditional_escape(quote(row.original.pk))))
                if row.show_url:
                    out.append(format_html('<a href="{}">{}</a>', row.absolute_url, gettext("View on site")))
                out.append("</p>")
            if form is None:
                values = plan.values(row.original)
                out.extend(plan.widget_html(name, row.index, values) for name in plan.hidden)
                out.append("</td>")
                for field in plan.columns:
                    css = f"field-{field.field.name}" + (" hidden" if field.field.is_hidden else "")
                    out.append(f'<td class="{css}">{plan.widget_html(field.field.name, row.index, values)}</td>')
                deletion = plan.widget_html(DELETION_FIELD_NAME, row.index, values) if show_delete else ""
                out.append(f'<td class="delete">{deletion}</td></tr>')
                continue
            if row.needs_explicit_pk_field():
                out.append(str(row.pk_field().field))
            fk_field = row.fk_field()
            if fk_field:
                out.append(str(fk_field.field))
            out.append("</td>")
            for fieldset in row:
                for line in fieldset:
                    for field in line:
                        out.append(self._cell(field))
            deletion = str(row.deletion_field().field) if show_delete and row.original else ""
            out.append(f'<td class="delete">{deletion}</td></tr>')
        if self.has_add_permission:
            out.append(self._add_row())
        return mark_safe("".join(out))  # noqa: S308 - every part is escaped or rendered HTML

    def _add_row(self) -> str:
        """The "Add another" row the admin's inline script would append, written with the rows.

        The page hands it to the script (designer.js), which otherwise makes its own and then
        asks the browser whether it is hidden: on a page of 800 rows that question styles the
        whole page at once. Written visible (an inline `display`), it needs no such question.
        """
        columns = len(list(self.fields())) + 2  # the "original" cell, the fields, "Delete?"
        text = json.loads(self.inline_formset_data())["options"]["addText"]  # the script's own words
        return (
            f'<tr class="add-row"><td colspan="{columns}" style="display: table-cell">'
            f'<a role="button" class="addlink" href="#">{conditional_escape(text)}</a></td></tr>'
        )

    def _change_link(self) -> str:
        """The rows' "Change" / "View" link with a `{pk}` slot, or "" when there is none."""
        inline = self.opts
        if not (inline.show_change_link and inline.has_registered_model):
            return ""
        url = reverse(
            f"admin:{inline.opts.app_label}_{inline.opts.model_name}_change",
            args=["__pk__"],
            current_app=inline.admin_site.name,
        )
        css, text = (
            ("inlinechangelink", gettext("Change"))
            if self.has_change_permission
            else ("inlineviewlink", gettext("View"))
        )
        link = format_html('<a href="{}" class="{}">{}</a>', url, css, text)
        return link.replace("{", "{{").replace("}", "}}").replace("__pk__", "{pk}")

    @staticmethod
    def _cell(field) -> str:
        bound = field.field
        name = bound.name if not field.is_readonly else bound["name"]
        hidden = bound.is_hidden if not field.is_readonly else bound["is_hidden"]
        css = f"field-{name}" if name else ""
        if hidden:
            css += " hidden"
        if field.is_readonly:
            return f'<td class="{css}"><p>{field.contents()}</p></td>'
        errors = bound.errors.as_ul() if bound.errors else ""
        return f'<td class="{css}">{errors}{bound}</td>'
