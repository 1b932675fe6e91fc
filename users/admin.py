from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from ticketflower.forms import ServerScopedModelForm

from . import access, services
from .admin_hardening import harden_other_admins
from .forms import EmailUserChangeForm, EmailUserCreationForm
from .models import Company, CompanyRole, User


class HiddenObjectsAreNotFoundMixin:
    """An object outside the user's reach answers 404, exactly like one that does not exist."""

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(_("Not found."))


def _manages_users(user) -> bool:
    return bool(user.is_active and user.is_staff and (user.is_superuser or user.is_company_admin))


class ManagedByUserManagersMixin:
    """Seen and changed by those who manage users: platform superusers and company admins."""

    def has_module_permission(self, request):
        return _manages_users(request.user)

    def has_view_permission(self, request, obj=None):
        return _manages_users(request.user)

    def has_add_permission(self, request):
        return _manages_users(request.user)

    def has_change_permission(self, request, obj=None):
        return _manages_users(request.user)

    def has_delete_permission(self, request, obj=None):
        return _manages_users(request.user)


class CompanyChoiceMixin:
    """The company fields offer the companies the user sees; a company admin's new row is their company's."""

    # Set on the new row before validation, so the company's rules are checked on the form.
    company_bound_values: dict = {}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "company":
            kwargs["queryset"] = access.companies_visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if request.user.is_superuser:
            return form
        values = {"company": request.user.company, **self.company_bound_values}

        class CompanyBoundForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, **inner)
                for name, value in values.items():
                    setattr(self.instance, name, value)

        return CompanyBoundForm


@admin.register(Company)
class CompanyAdmin(HiddenObjectsAreNotFoundMixin, ManagedByUserManagersMixin, admin.ModelAdmin):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("creators_group_name",)

    # As text: the group's own page is the platform's, a company admin's link to it answered 403.
    @admin.display(description=_("workflow creators group"))
    def creators_group_name(self, obj):
        return str(obj.creators_group) if obj.creators_group_id else "—"

    def get_queryset(self, request):
        return access.companies_visible_to(request.user)

    # Only the platform creates, renames or deletes companies.
    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def save_model(self, request, obj, form, change):
        if change:
            services.company_update(company=obj, name=obj.name, slug=obj.slug)
        else:
            created = services.company_create(name=obj.name, slug=obj.slug)
            obj.pk = created.pk


class VisibleGroupsFilter(admin.RelatedFieldListFilter):
    """The "By groups" filter offers only the groups the user may see (never another company's)."""

    def field_choices(self, field, request, model_admin):
        return [(group.pk, str(group)) for group in access.groups_visible_to(request.user)]


@admin.register(User)
class UserAdmin(HiddenObjectsAreNotFoundMixin, ManagedByUserManagersMixin, CompanyChoiceMixin, DjangoUserAdmin):
    form = EmailUserChangeForm
    add_form = EmailUserCreationForm
    list_display = ("email", "full_name", "company", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_active", ("groups", VisibleGroupsFilter))
    list_select_related = ("company",)
    search_fields = ("email", "full_name")
    ordering = ("email",)
    filter_horizontal = ("groups", "company_roles", "user_permissions")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name", "company")}),
        (_("Roles"), {"fields": ("groups", "company_roles")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "company", "password1", "password2")}),)
    # Fields only the platform superuser may set; a company admin never sees them.
    superuser_only_fields = ("company", "is_superuser", "user_permissions")
    company_bound_values = {"is_superuser": False}

    def get_queryset(self, request):
        return access.users_visible_to(request.user).select_related("company")

    def user_change_password(self, request, id, form_url=""):
        # Django checks the permission before existence (a 403 for any id); answer 404 for
        # anyone outside the user's reach first.
        if self.get_object(request, unquote(id)) is None:
            raise Http404(_("Not found."))
        return super().user_change_password(request, id, form_url)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (name, {**opts, "fields": [f for f in opts["fields"] if f not in self.superuser_only_fields]})
            for name, opts in fieldsets
        ]

    def get_list_filter(self, request):
        return ("company", *self.list_filter) if request.user.is_superuser else self.list_filter

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = access.groups_assignable_by(request.user)
        elif db_field.name == "company_roles":
            kwargs["queryset"] = access.company_roles_visible_to(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (obj.is_superuser or obj.pk == request.user.pk) and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            # A company admin never chooses the company or makes a superuser.
            obj.company = request.user.company
            obj.is_superuser = False
        if not change and not obj.is_superuser and obj.company_id is None:
            raise PermissionDenied
        obj.full_clean(exclude=["password"])
        super().save_model(request, obj, form, change)

    @transaction.atomic
    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        services.user_set_company_roles(user=user, company_roles=list(user.company_roles.all()))
        services.user_sync_company_groups(user=user)


@admin.register(CompanyRole)
class CompanyRoleAdmin(HiddenObjectsAreNotFoundMixin, ManagedByUserManagersMixin, CompanyChoiceMixin, admin.ModelAdmin):
    list_display = ("name", "slug", "company", "updated_at")
    list_select_related = ("company",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    form = ServerScopedModelForm

    def get_queryset(self, request):
        return access.company_roles_visible_to(request.user)

    def get_exclude(self, request, obj=None):
        return () if request.user.is_superuser else ("company",)

    def get_list_filter(self, request):
        return ("company",) if request.user.is_superuser else ()


# The admins of auth and django-axes are registered before this module is imported.
harden_other_admins(admin.site)
