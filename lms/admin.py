"""Django admin for accounts (administrators only, see ``admin_site``)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from . import audit
from .models import Establishment, OIDCIdentity, RoleAssignment, User
from .services import sync_user_access


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["establishment"]
    readonly_fields = ["granted_by", "created_at"]


class OIDCIdentityInline(admin.TabularInline):
    """Links to Mon Espace: shown, and removable (the person must link again)."""

    model = OIDCIdentity
    extra = 0
    fields = ["issuer", "subject", "created_at", "last_login_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["last_name", "first_name"]
    list_display = ["email", "last_name", "first_name", "matricule", "is_active"]
    list_filter = ["is_active", "role_assignments__role", "preferred_language"]
    search_fields = ["email", "first_name", "last_name", "matricule"]
    filter_horizontal = ["establishments", "groups", "user_permissions"]
    inlines = [RoleAssignmentInline, OIDCIdentityInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Identité"),
            {"fields": ("first_name", "last_name", "matricule", "preferred_language")},
        ),
        (_("Établissements"), {"fields": ("establishments",)}),
        (
            _("Accès"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "first_name",
                    "last_name",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    readonly_fields = ["last_login", "date_joined", "is_staff", "is_superuser"]

    def save_related(self, request, form, formsets, change):  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        for formset in formsets:
            if formset.model is OIDCIdentity:
                for identity in formset.deleted_objects:
                    audit.event(
                        request.user,
                        audit.Action.CHANGED,
                        _("Lien avec Mon Espace retiré : %(identity)s")
                        % {"identity": identity},
                        obj=form.instance,
                    )
            if formset.model is RoleAssignment:
                for assignment in formset.new_objects:
                    if assignment.granted_by_id is None:
                        assignment.granted_by = request.user
                        assignment.save(update_fields=["granted_by"])
                    audit.event(
                        request.user,
                        audit.Action.ROLE_GRANTED,
                        str(assignment.get_role_display()),
                        obj=form.instance,
                    )
                for assignment in formset.deleted_objects:
                    audit.event(
                        request.user,
                        audit.Action.ROLE_REVOKED,
                        str(assignment.get_role_display()),
                        obj=form.instance,
                    )
        sync_user_access(form.instance)


@admin.register(Establishment)
class EstablishmentAdmin(admin.ModelAdmin):
    list_display = ["name", "fase_number", "network", "level", "postal_code"]
    list_filter = ["network", "level"]
    search_fields = ["name", "fase_number", "postal_code", "city"]
