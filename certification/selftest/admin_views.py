"""Import and export of the self-test item bank in the Wagtail admin.

``/cms/autotest/items/import/``: staff upload a JSON or CSV file; it is first
checked without writing anything (dry run: each error with its row number),
kept 30 minutes in the cache, and imported all or nothing when they confirm.
``/cms/autotest/items/export/<json|csv>/`` downloads the items of the list's
current filters. Exports contain the scoring keys: only people who may add and
change items (catalogue managers, administrators) import or export.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from lms import audit
from lms.models import Competence

from ..models import Item, ItemFamily
from ..models.selftest import LEVEL_CHOICES
from . import itembank

CACHE_SECONDS = 30 * 60
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MANAGE_PERMISSIONS = ("certification.add_item", "certification.change_item")
#: Errors shown on the preview page (the rest are counted).
MAX_ERRORS_SHOWN = 200


def max_import_bytes() -> int:
    return int(getattr(settings, "SELFTEST_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def can_manage_items(user: Any) -> bool:
    """Catalogue managers and administrators: they may add and change items."""
    return bool(user.is_authenticated and user.has_perms(MANAGE_PERMISSIONS))


class ItemFilterSet(WagtailFilterSet):
    """The item list's filters (also applied to the export)."""

    competence = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Compétence"),
        queryset=lambda request: Competence.objects.order_by("code"),
    )
    target_level = django_filters.ChoiceFilter(
        label=gettext_lazy("Niveau visé"), choices=LEVEL_CHOICES
    )
    item_type = django_filters.ChoiceFilter(
        label=gettext_lazy("Type"), choices=Item.Type.choices
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Statut"), choices=Item.Status.choices
    )
    family = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Famille"),
        queryset=lambda request: ItemFamily.objects.order_by("name"),
    )
    is_demo = django_filters.BooleanFilter(
        label=gettext_lazy("Item de démonstration"),
        widget=forms.Select(
            choices=[
                ("", gettext_lazy("Tous")),
                ("true", gettext_lazy("Oui")),
                ("false", gettext_lazy("Non")),
            ]
        ),
    )

    class Meta:
        model = Item
        fields = ["competence", "target_level", "item_type", "status", "family"]


def filtered_items(request: HttpRequest) -> QuerySet[Item]:
    """The items matching the list's filters and search (``q``) in ``request.GET``."""
    queryset = Item.objects.all()
    filterset = ItemFilterSet(request.GET or None, queryset=queryset, request=request)
    if filterset.is_bound and filterset.is_valid():
        queryset = filterset.qs
    query = (request.GET.get("q") or "").strip()
    if query:
        queryset = queryset.filter(Q(uid__icontains=query) | Q(stem__icontains=query))
    return queryset


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fichier JSON ou CSV"),
        help_text=gettext_lazy(
            "Un document « tremplin-selftest-items » (.json) ou un fichier .csv "
            "(UTF-8, séparateur « ; ») avec une ligne par item."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > max_import_bytes():
            raise forms.ValidationError(
                _("Fichier trop volumineux : %(mb)s Mo au plus.")
                % {"mb": max_import_bytes() // (1024 * 1024)}
            )
        if not upload.name.lower().endswith((".json", ".csv")):
            raise forms.ValidationError(_("Fichier .json ou .csv attendu."))
        return upload


def _cache_key(user: Any, token: str) -> str:
    return f"selftest-items-import:{user.pk}:{token}"


class ItemImportView(WagtailAdminTemplateMixin, FormView):
    """Upload, check (dry run) and confirm an import of items."""

    template_name = "certification/selftest/admin/import.html"
    form_class = ImportForm
    page_title = gettext_lazy("Importer des items")
    header_icon = "upload"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not can_manage_items(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        from .. import wagtail_hooks

        return [
            *self.breadcrumbs_items,
            {
                "url": reverse(wagtail_hooks.item_viewset.get_url_name("list")),
                "label": _("Items du test"),
            },
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        report = context.get("report")
        context.update(
            columns=itembank.CSV_COLUMNS,
            required=itembank.REQUIRED_KEYS,
            max_mb=max_import_bytes() // (1024 * 1024),
            export_json=reverse("selftest_itembank:export", args=["json"]),
            export_csv=reverse("selftest_itembank:export", args=["csv"]),
            errors_shown=report.errors[:MAX_ERRORS_SHOWN] if report else [],
            errors_hidden=max(len(report.errors) - MAX_ERRORS_SHOWN, 0)
            if report
            else 0,
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = request.POST.get("confirm_token")
        if token:
            return self._confirm(token)
        return super().post(request, *args, **kwargs)

    def _render_problem(
        self, form: ImportForm, message: str, name: str
    ) -> HttpResponse:
        report = itembank.ImportReport(
            errors=[itembank.RowError(0, "", "", message)], dry_run=True
        )
        return self.render_to_response(
            self.get_context_data(form=form, report=report, filename=name)
        )

    def form_valid(self, form: ImportForm) -> HttpResponse:
        upload = form.cleaned_data["file"]
        content = upload.read(max_import_bytes() + 1)
        try:
            document = itembank.parse_upload(content, upload.name)
        except ValueError as error:
            return self._render_problem(form, str(error), upload.name)
        report = itembank.import_items(document, by=self.request.user, dry_run=True)
        token = ""
        if report.ok:
            token = secrets.token_urlsafe(16)
            cache.set(
                _cache_key(self.request.user, token),
                {"content": content, "name": upload.name},
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
                self.request, _("Le fichier vérifié a expiré : envoyez-le à nouveau.")
            )
            return HttpResponseRedirect(reverse("selftest_itembank:import"))
        cache.delete(key)
        try:
            document = itembank.parse_upload(stored["content"], stored["name"])
        except ValueError as error:
            return self._render_problem(ImportForm(), str(error), stored["name"])
        report = itembank.import_items(document, by=self.request.user)
        if not report.ok:
            # The bank changed between the check and the confirmation.
            return self.render_to_response(
                self.get_context_data(
                    form=ImportForm(), report=report, filename=stored["name"]
                )
            )
        messages.success(self.request, summary(report))
        from .. import wagtail_hooks

        return HttpResponseRedirect(
            reverse(wagtail_hooks.item_viewset.get_url_name("list"))
        )


def summary(report: itembank.ImportReport) -> str:
    """The counts of an import, in French."""
    return _(
        "Items : %(created)s créés, %(updated)s mis à jour, %(unchanged)s inchangés."
    ) % {
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
    }


def export_view(request: HttpRequest, kind: str) -> HttpResponse:
    """Download the filtered items as ``json`` or ``csv`` (with the keys: staff only)."""
    if not can_manage_items(request.user):
        raise PermissionDenied
    if kind not in ("json", "csv"):
        raise Http404
    document = itembank.export_items(filtered_items(request))
    stamp = timezone.localdate().strftime("%Y-%m-%d")
    if kind == "json":
        body = json.dumps(document, ensure_ascii=False, indent=2)
        content_type = "application/json; charset=utf-8"
    else:
        body = "\ufeff" + itembank.items_to_csv(document)
        content_type = "text/csv; charset=utf-8"
    audit.event(
        request.user,
        audit.Action.DATA_EXPORTED,
        _("Items de l'autotest (%(format)s)") % {"format": kind.upper()},
        object_type="certification.Item",
        object_label=_("Banque d'items"),
    )
    response = HttpResponse(body.encode("utf-8"), content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="autotest-items-CONFIDENTIEL-{stamp}.{kind}"'
    )
    response["Cache-Control"] = "no-store"
    return response


@hooks.register("register_admin_urls")
def register_itembank_urls() -> list[Any]:
    urls = [
        path("", ItemImportView.as_view(), name="import"),
        path("export/<str:kind>/", export_view, name="export"),
    ]
    return [
        path(
            "autotest/items/import/",
            include((urls, "selftest_itembank"), namespace="selftest_itembank"),
        )
    ]
