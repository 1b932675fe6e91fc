"""Import and export parts of the design admins: per-model files and workflow bundles.

Per-model files use django-import-export (preview first, then confirm), with our safe file
formats and resources. Workflow bundles have their own pages: export from a workflow's page or
as a changelist action, import from the workflow changelist with a preview.
"""

from __future__ import annotations

import io
import json
import zipfile

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.admin import ImportExportMixin
from import_export.forms import ConfirmImportForm, ImportForm
from import_export.results import RowResult

from users import access as user_access
from workflow_design.files import limits
from workflow_design.files.bundle_reader import UploadRefused, read_bundle
from workflow_design.files.bundles import bundle_dumps, bundle_export, bundle_filename
from workflow_design.files.formats import FILE_FORMATS, FORMATS_BY_EXTENSION
from workflow_design.files.resources import TaskResource, TicketResource, TransitionResource, WorkflowResource
from workflow_design.policy import Action, policy_for, workflow_policy
from workflow_design.services.bundle_import import bundle_import

TEMPLATES = "admin/workflow_design/transfer/"


def _company_field(user) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=user_access.companies_visible_to(user),
        label=gettext_lazy("Company to import into"),
        help_text=gettext_lazy("Superusers choose the company; everyone else imports into their own."),
    )


class TransferImportForm(ImportForm):
    """The first import step: refuses oversized files and mismatched extensions before parsing."""

    def __init__(self, formats, resources, *, user=None, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.formats_list = formats
        self.fields["import_file"].help_text = _("CSV, XLSX or JSON, at most %(limit)s.") % {
            "limit": limits.size_text(limits.max_upload_bytes())
        }
        if user is not None and user.is_superuser:
            self.fields["company"] = _company_field(user)

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        try:
            limits.ensure_size(upload.size)
        except UploadRefused as exc:
            raise forms.ValidationError(str(exc))
        return upload

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("import_file")
        chosen = cleaned.get("format")
        if upload is not None and chosen not in (None, ""):
            extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
            fmt = self.formats_list[int(chosen)]
            known = FORMATS_BY_EXTENSION.get(extension)
            if known is not None and known is not fmt:
                self.add_error(
                    "import_file",
                    _("The file is named .%(ext)s but the chosen format is %(fmt)s; choose the format it has.")
                    % {"ext": extension, "fmt": fmt.title.upper()},
                )
        return cleaned


class TransferConfirmForm(ConfirmImportForm):
    company = forms.IntegerField(required=False, widget=forms.HiddenInput())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_company(self):
        pk = self.cleaned_data.get("company")
        if pk is None or self.user is None or not self.user.is_superuser:
            return None
        company = user_access.companies_visible_to(self.user).filter(pk=pk).first()
        if company is None:
            raise forms.ValidationError(_("Choose the company to import into."))
        return company


class ImportRefusal(Exception):
    """A refusal of a file in words: a ValidationError's own text is a Python list."""


def errors_in_words(result) -> None:
    """The import result's refusals as their messages, for the page that lists them."""
    for error in [*result.base_errors, *(e for _line, errors in result.row_errors() for e in errors)]:
        if isinstance(error.error, ValidationError):
            error.error = ImportRefusal(" ".join(error.error.messages))


class FileTransferAdminMixin(ImportExportMixin):
    """Per-model import and export with the safe formats, permissions and all-or-nothing rows."""

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        form, result = context.get("form"), context.get("result")
        if result is not None:
            errors_in_words(result)
        refused = (form is not None and form.errors) or (
            result is not None and (result.has_errors() or result.has_validation_errors())
        )
        if request.method == "POST" and refused:
            response.status_code = 400  # the page says why; the status says nothing was taken
        return response

    import_form_class = TransferImportForm
    confirm_form_class = TransferConfirmForm
    import_error_display = ("message",)
    import_template_name = TEMPLATES + "import.html"

    def get_import_formats(self):
        return list(FILE_FORMATS)

    def get_export_formats(self):
        return list(FILE_FORMATS)

    def has_import_permission(self, request):
        return policy_for(self.model).user_has_permission(request.user, Action.IMPORT)

    def has_export_permission(self, request):
        return policy_for(self.model).user_has_permission(request.user, Action.EXPORT)

    def get_import_form_kwargs(self, request):
        return {**super().get_import_form_kwargs(request), "user": request.user}

    def get_confirm_form_kwargs(self, request, import_form=None):
        return {**super().get_confirm_form_kwargs(request, import_form), "user": request.user}

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        company = import_form.cleaned_data.get("company") if import_form is not None else None
        if company is not None:
            initial["company"] = company.pk
        return initial

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        company = form.cleaned_data.get("company") if form is not None and form.is_bound else None
        return {"user": request.user, "company": company}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {"user": request.user}

    def export_action(self, request):
        try:
            return super().export_action(request)
        except IncorrectLookupParameters:
            # The export reads the list's filters from the address; ones the list does not
            # have (or values of the wrong kind) get the form back with a message, not an error.
            return self._export_form_refusing_filters(request)

    def _export_form_refusing_filters(self, request) -> TemplateResponse:
        names = ", ".join(sorted(request.GET)[:5])[:200]
        messages.error(
            request,
            _("This list cannot be filtered by %(names)s; the export below is of the whole list you may see.")
            % {"names": names},
        )
        form = self.get_export_form_class()(self.get_export_formats(), self.get_export_resource_classes(request))
        context = self.init_request_context_data(request, form)
        context["export_url"] = request.path  # the form posts without the refused filters
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.export_template_name], context=context, status=400)

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, UploadRefused):
            form.add_error("import_file", str(e))
        else:
            form.add_error("import_file", _("The file could not be read in the chosen format; check the format."))

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # Rolled back already (all or nothing); say so instead of "Import finished".
            self.message_user(
                request,
                _("Nothing was imported: the file changed since the preview or has errors. Import it again."),
                messages.ERROR,
            )
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import"))
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        totals = result.totals
        self.message_user(
            request,
            _("Import finished: %(new)d new, %(update)d updated, %(skip)d unchanged %(what)s.")
            % {
                "new": totals[RowResult.IMPORT_TYPE_NEW],
                "update": totals[RowResult.IMPORT_TYPE_UPDATE],
                "skip": totals[RowResult.IMPORT_TYPE_SKIP],
                "what": self.opts.verbose_name_plural,
            },
            messages.SUCCESS,
        )


# Workflow bundles ----------------------------------------------------------------------


class BundleImportForm(forms.Form):
    bundle_file = forms.FileField(label=gettext_lazy("Workflow bundle (.json)"), required=False)
    document = forms.CharField(required=False, widget=forms.HiddenInput())
    as_new_version = forms.BooleanField(
        label=gettext_lazy("Import as the next version when the slug exists"), required=False
    )
    create_missing_roles = forms.BooleanField(
        label=gettext_lazy("Create the company roles the bundle names that my company lacks"), required=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and user.is_superuser:
            self.fields["company"] = _company_field(user)

    def clean(self):
        cleaned = super().clean()
        source = cleaned.get("bundle_file") or cleaned.get("document")
        if not source:
            raise forms.ValidationError(_("Choose a workflow bundle file."))
        try:
            cleaned["parsed"] = read_bundle(source)
        except UploadRefused as exc:
            raise forms.ValidationError(str(exc))
        return cleaned


class WorkflowBundleAdminMixin:
    """Bundle export (object page and changelist action) and bundle import with a preview."""

    extra_pages = (
        ("bundle-import/", "bundle_import_view", "bundle_import"),
        ("<path:object_id>/bundle/", "bundle_export_view", "bundle_export"),
    )

    def _may_export(self, request) -> bool:
        return workflow_policy.user_has_permission(request.user, Action.EXPORT)

    def _may_import(self, request) -> bool:
        return workflow_policy.user_has_permission(request.user, Action.IMPORT)

    def _exportable(self, request):
        return workflow_policy.instances_user_has_permission_for(request.user, Action.EXPORT)

    def exportable_workflow(self, request, object_id):
        """The workflow `object_id` names if the user may export it: 403 without the permission,
        404 for one they may not export or that does not exist (the same answer)."""
        if not self._may_export(request):
            raise PermissionDenied
        try:
            workflow = self._exportable(request).filter(pk=int(unquote(object_id))).first()
        except (TypeError, ValueError):
            workflow = None
        if workflow is None:
            raise Http404(_("Not found."))
        return workflow

    def upload_page_context(self, request, title: str, form) -> dict:
        """What an upload page (`transfer/upload_page.html`) shows around its form."""
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "title": title,
            "form": form,
            "max_size": limits.size_text(limits.max_upload_bytes()),
        }

    def imported(self, request, message: str, workflow) -> HttpResponseRedirect:
        """After an import: say what was made and open the (first) workflow made."""
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(
            reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[workflow.pk])
        )

    def bundle_export_view(self, request, object_id):
        return self._bundle_response(self.exportable_workflow(request, object_id))

    def _bundle_response(self, workflow) -> HttpResponse:
        response = HttpResponse(bundle_dumps(bundle_export(workflow=workflow)), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{bundle_filename(workflow)}"'
        return response

    @admin.action(description=gettext_lazy("Export selected workflows as bundles"))
    def export_bundles(self, request, queryset):
        if not self._may_export(request):
            raise PermissionDenied
        # The changelist's rows are the ones the user sees; the policy gives those they may export.
        workflows = list(self._exportable(request).filter(pk__in=queryset.values("pk")))
        if len(workflows) == 1:
            return self._bundle_response(workflows[0])
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for workflow in workflows:
                archive.writestr(bundle_filename(workflow), bundle_dumps(bundle_export(workflow=workflow)))
        response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="workflow-bundles.zip"'
        return response

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self._may_export(request):
            func = type(self).export_bundles
            actions["export_bundles"] = (func, "export_bundles", func.short_description)
        return actions

    def bundle_import_view(self, request):
        if not self._may_import(request):
            raise PermissionDenied
        form = BundleImportForm(request.POST or None, request.FILES or None, user=request.user)
        context = self.upload_page_context(request, _("Import a workflow bundle"), form)
        if request.method == "POST" and form.is_valid():
            confirm = "confirm" in request.POST
            try:
                result = bundle_import(
                    user=request.user,
                    document=form.cleaned_data["parsed"],
                    dry_run=not confirm,
                    as_new_version=form.cleaned_data["as_new_version"],
                    create_missing_roles=form.cleaned_data["create_missing_roles"],
                    company=form.cleaned_data.get("company"),
                )
            except (PermissionDenied, ValidationError) as exc:
                messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))
                return TemplateResponse(request, TEMPLATES + "bundle_import.html", context, status=400)
            if result.saved:
                message = _('Imported workflow "%(slug)s" version %(v)d as a draft.')
                words = {"slug": result.workflow_slug, "v": result.workflow_version}
                return self.imported(request, message % words, result.workflow)
            context["result"] = result
            if result.ok:
                context["confirm_form"] = BundleImportForm(
                    initial={
                        "document": json.dumps(form.cleaned_data["parsed"], ensure_ascii=False),
                        "as_new_version": form.cleaned_data["as_new_version"],
                        "create_missing_roles": form.cleaned_data["create_missing_roles"],
                        "company": getattr(form.cleaned_data.get("company"), "pk", None),
                    },
                    user=request.user,
                )
        shown = context.get("result")
        refused = request.method == "POST" and (bool(form.errors) or (shown is not None and not shown.ok))
        return TemplateResponse(request, TEMPLATES + "bundle_import.html", context, status=400 if refused else 200)

    def changelist_view(self, request, extra_context=None):
        extra_context = dict(extra_context or {})
        extra_context["may_import_bundle"] = self._may_import(request)
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        if self._may_export(request):
            extra_context["bundle_export_url"] = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_bundle_export", args=[object_id]
            )
        return super().change_view(request, object_id, form_url, extra_context)


class WorkflowTransferAdminMixin(WorkflowBundleAdminMixin, FileTransferAdminMixin):
    """Mixed into WorkflowDefinitionAdmin."""

    resource_classes = [WorkflowResource]
    import_export_change_list_template = TEMPLATES + "workflow_change_list.html"


class TaskTransferAdminMixin(FileTransferAdminMixin):
    """Mixed into TaskDefinitionAdmin."""

    resource_classes = [TaskResource]


class TransitionTransferAdminMixin(FileTransferAdminMixin):
    """Mixed into WorkflowTransitionAdmin."""

    resource_classes = [TransitionResource]


class TicketTransferAdminMixin(FileTransferAdminMixin):
    """Mixed into TicketDefinitionAdmin."""

    resource_classes = [TicketResource]
