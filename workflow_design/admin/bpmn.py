"""BPMN 2.0 in the workflow admin: "Import BPMN" on the changelist (upload, preview with the
fidelity report and the linter's findings, confirm) and "Export BPMN" on a workflow's page.

The same service as the API and the command line (`services.bpmn_import`), the same policy.
"""

from __future__ import annotations

import base64
import binascii
import zlib

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflow_design.files import limits
from workflow_design.files.bpmn import bpmn_export, bpmn_filename
from workflow_design.files.limits import UploadRefused
from workflow_design.policy import Action, workflow_policy
from workflow_design.services.bpmn_import import bpmn_import

TEMPLATE = "admin/workflow_design/transfer/bpmn_import.html"


def _packed(data: bytes) -> str:
    return base64.b64encode(zlib.compress(data)).decode("ascii")


def _unpacked(text: str) -> bytes:
    """The file a preview packed; refused past the upload limit, however well it compresses."""
    limit = limits.max_upload_bytes()
    try:
        inflater = zlib.decompressobj()
        data = inflater.decompress(base64.b64decode(text, validate=True), limit + 1)
    except (binascii.Error, ValueError, zlib.error):
        raise forms.ValidationError(_("Choose the BPMN file again.")) from None
    if len(data) > limit or inflater.unconsumed_tail:
        raise forms.ValidationError(_("The file is larger than %(limit)s.") % {"limit": limits.size_text(limit)})
    return data


class BpmnImportForm(forms.Form):
    bpmn_file = forms.FileField(label=gettext_lazy("BPMN file (.bpmn, or a .zip with its .form files)"), required=False)
    # The confirm step sends the previewed file back (compressed, base64), so what is saved is
    # what was shown, without asking for the file again.
    document = forms.CharField(required=False, widget=forms.HiddenInput())
    process = forms.CharField(
        label=gettext_lazy("Process id"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Only this process of the file; empty: every executable process."),
    )
    create_missing_roles = forms.BooleanField(
        label=gettext_lazy("Create the company roles its lanes and groups name that my company lacks"), required=False
    )

    def clean(self):
        cleaned = super().clean()
        upload, document = cleaned.get("bpmn_file"), cleaned.get("document")
        if upload:
            try:
                cleaned["source"] = limits.read_limited(upload)
            except UploadRefused as exc:
                raise forms.ValidationError(str(exc)) from None
        elif document:
            cleaned["source"] = _unpacked(document)
        else:
            raise forms.ValidationError(_("Choose a BPMN file."))
        return cleaned


class WorkflowBpmnAdminMixin:
    """Mixed into WorkflowDefinitionAdmin."""

    extra_pages = (
        ("bpmn-import/", "bpmn_import_view", "bpmn_import"),
        ("<path:object_id>/bpmn/", "bpmn_export_view", "bpmn_export"),
    )

    def bpmn_export_view(self, request, object_id):
        # The bundle export's check and lookup: the policy's exportable workflows, else 404.
        workflow = self.exportable_workflow(request, object_id)
        response = HttpResponse(bpmn_export(workflow=workflow), content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{bpmn_filename(workflow)}"'
        return response

    def bpmn_import_view(self, request):
        if not workflow_policy.user_has_permission(request.user, Action.IMPORT):
            raise PermissionDenied
        form = BpmnImportForm(request.POST or None, request.FILES or None)
        context = self.upload_page_context(request, _("Import a BPMN 2.0 file"), form)
        status = 200
        if request.method == "POST":
            status = 400
            if form.is_valid():
                status = self._import_or_preview(request, form, context)
                if isinstance(status, HttpResponseRedirect):
                    return status
        return TemplateResponse(request, TEMPLATE, context, status=status)

    def _import_or_preview(self, request, form, context):
        data = form.cleaned_data
        options = {"create_missing_roles": data["create_missing_roles"], "process_id": data["process"] or None}
        preview = "confirm" not in request.POST
        try:
            result = bpmn_import(user=request.user, source=data["source"], dry_run=preview, **options)
        except UploadRefused as exc:
            form.add_error("bpmn_file", str(exc))
            return 400
        if result.saved:
            made = result.processes[0].imported
            message = _('Imported %(n)d workflow(s) as drafts, among them "%(slug)s".')
            return self.imported(
                request, message % {"n": len(result.processes), "slug": made.workflow_slug}, made.workflow
            )
        context["result"] = result
        if result.ok:
            context["confirm_form"] = BpmnImportForm(
                initial={
                    "document": _packed(form.cleaned_data["source"]),
                    "process": form.cleaned_data["process"],
                    "create_missing_roles": form.cleaned_data["create_missing_roles"],
                }
            )
        return 200 if result.ok else 400

    def changelist_view(self, request, extra_context=None):
        extra_context = dict(extra_context or {})
        if workflow_policy.user_has_permission(request.user, Action.IMPORT):
            extra_context["bpmn_import_url"] = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_bpmn_import"
            )
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        if workflow_policy.user_has_permission(request.user, Action.EXPORT):
            extra_context["bpmn_export_url"] = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_bpmn_export", args=[object_id]
            )
        return super().change_view(request, object_id, form_url, extra_context)
