"""Import and export of the catalogue in the Wagtail admin (/cms/catalogue/import/).

Staff upload a CSV or XLSX file; it is first checked without saving anything
(dry run) and the report lists each problem (sheet, line, column, message).
A valid file is kept for 30 minutes in the cache and imported, all or nothing,
when staff confirm. Only users who may add and change sessions (catalogue
managers) import or export.
"""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from catalogue import tabular
from catalogue.exporting import export_csv, export_xlsx
from catalogue.importing import (
    XLSX_CONTENT_TYPE,
    ImportReport,
    import_catalogue,
    too_big_message,
)

CACHE_SECONDS = 30 * 60
IMPORT_PERMISSIONS = ("catalogue.add_session", "catalogue.change_session")


def can_import_catalogue(user: Any) -> bool:
    """Catalogue managers (and superusers): they may add and change sessions."""
    return bool(user.is_authenticated and user.has_perms(IMPORT_PERMISSIONS))


def _cache_key(user: Any, token: str) -> str:
    return f"catalogue-import:{user.pk}:{token}"


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fichier CSV ou XLSX"),
        help_text=gettext_lazy(
            "Un classeur .xlsx avec les feuilles « formations » et/ou « sessions », "
            "ou un fichier .csv (UTF-8, séparateur « ; ») de formations ou de sessions."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        max_bytes = settings.CATALOGUE_IMPORT_MAX_BYTES
        if upload.size > max_bytes:
            raise forms.ValidationError(too_big_message(max_bytes))
        return upload


class CatalogueImportView(WagtailAdminTemplateMixin, FormView):
    template_name = "catalogue/admin/catalogue_import.html"
    form_class = ImportForm
    page_title = gettext_lazy("Importer le catalogue")
    header_icon = "upload"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not can_import_catalogue(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            training_columns=tabular.TRAINING_COLUMNS,
            session_columns=tabular.SESSION_COLUMNS,
            training_required=tabular.TRAINING_REQUIRED,
            session_required=tabular.SESSION_REQUIRED,
            max_mb=settings.CATALOGUE_IMPORT_MAX_BYTES // (1024 * 1024),
            export_urls={
                "xlsx": reverse("catalogue_import:export", args=["xlsx"]),
                "trainings_csv": reverse(
                    "catalogue_import:export", args=[tabular.TRAININGS]
                ),
                "sessions_csv": reverse(
                    "catalogue_import:export", args=[tabular.SESSIONS]
                ),
            },
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = request.POST.get("confirm_token")
        if token:
            return self._confirm(token)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: ImportForm) -> HttpResponse:
        upload = form.cleaned_data["file"]
        data = upload.read(settings.CATALOGUE_IMPORT_MAX_BYTES + 1)
        report = import_catalogue(
            data, filename=upload.name, user=self.request.user, dry_run=True
        )
        token = ""
        if report.ok:
            token = secrets.token_urlsafe(16)
            cache.set(
                _cache_key(self.request.user, token),
                {"data": data, "name": upload.name},
                CACHE_SECONDS,
            )
        return self.render_to_response(
            self.get_context_data(
                form=form, report=report, confirm_token=token, filename=upload.name
            )
        )

    def _confirm(self, token: str) -> HttpResponse:
        key = _cache_key(self.request.user, token)
        stored = cache.get(key)
        if stored is None:
            messages.error(
                self.request,
                _("Le fichier vérifié a expiré : envoyez-le à nouveau."),
            )
            return HttpResponseRedirect(reverse("catalogue_import:import"))
        report = import_catalogue(
            stored["data"], filename=stored["name"], user=self.request.user
        )
        cache.delete(key)
        if report.ok:
            messages.success(self.request, summary(report))
            return HttpResponseRedirect(reverse("catalogue_import:import"))
        return self.render_to_response(
            self.get_context_data(
                form=self.get_form_class()(), report=report, filename=stored["name"]
            )
        )


def summary(report: ImportReport) -> str:
    """The counts of an import, in French."""
    return _(
        "Formations : %(tc)s créées, %(tu)s mises à jour, %(tn)s inchangées. "
        "Sessions : %(sc)s créées, %(su)s mises à jour, %(sn)s inchangées."
    ) % {
        "tc": report.trainings_created,
        "tu": report.trainings_updated,
        "tn": report.trainings_unchanged,
        "sc": report.sessions_created,
        "su": report.sessions_updated,
        "sn": report.sessions_unchanged,
    }


def export_view(request: HttpRequest, kind: str) -> HttpResponse:
    """Download the catalogue: ``xlsx`` (both sheets), ``formations`` or ``sessions`` (CSV)."""
    if not can_import_catalogue(request.user):
        raise PermissionDenied
    stamp = timezone.localdate().strftime("%Y-%m-%d")
    if kind == "xlsx":
        data, content_type = export_xlsx(), XLSX_CONTENT_TYPE
        filename = f"catalogue-{stamp}.xlsx"
    elif kind in (tabular.TRAININGS, tabular.SESSIONS):
        data, content_type = export_csv(kind), "text/csv; charset=utf-8"
        filename = f"catalogue-{kind}-{stamp}.csv"
    else:
        raise PermissionDenied
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ImportMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return can_import_catalogue(request.user)


@hooks.register("register_admin_urls")
def register_import_urls() -> list[Any]:
    urls = [
        path("", CatalogueImportView.as_view(), name="import"),
        path("export/<str:kind>/", export_view, name="export"),
    ]
    return [
        path(
            "catalogue/import/",
            include((urls, "catalogue_import"), namespace="catalogue_import"),
        )
    ]


@hooks.register("register_admin_menu_item")
def register_import_menu_item() -> MenuItem:
    return ImportMenuItem(
        gettext_lazy("Import / export"),
        reverse("catalogue_import:import"),
        name="catalogue-import",
        icon_name="upload",
        order=220,
    )
