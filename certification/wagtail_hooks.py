"""The self-test item bank in the Wagtail admin (menu "Autotest — banque d'items").

Items (with revisions), families and blueprints are snippets. Access follows
Django model permissions: catalogue managers (``lms.roles``) and
administrators; teachers and tutors never reach /cms/. The admin form uses the
same rules as the import (``certification.selftest.itembank``); saving an
item bumps its ``revision`` when its stem, options or key changed, bumps the
engine's bank version and is recorded in the audit trail.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
)
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets.button import Button
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import (
    IndexView,
    SnippetViewSet,
    SnippetViewSetGroup,
)

from lms import audit

from .models import Blueprint, Item, ItemFamily, ItemResponse
from .selftest import itembank
from .selftest.admin_views import ItemFilterSet, can_manage_items

logger = logging.getLogger("certification.selftest.itembank")


# --- Items -------------------------------------------------------------------


class ItemAdminForm(WagtailAdminModelForm):
    """The item form: the bank's rules on the item and its options together."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.signature_before = (
            itembank.content_signature(self.instance) if self.instance.pk else None
        )

    def _options(self) -> list[tuple[str, bool]]:
        formset = self.formsets.get("options")
        if formset is None:
            return [(o.text, o.is_correct) for o in self.instance.options.all()]
        rows = []
        for position, form in enumerate(formset.forms):
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or not (data.get("text") or "").strip():
                continue
            order = data.get("ORDER")
            rows.append(
                (
                    order if order is not None else position,
                    position,
                    data["text"],
                    bool(data.get("is_correct")),
                )
            )
        return [(text, correct) for _o, _p, text, correct in sorted(rows)]

    def is_valid(self) -> bool:
        # The options formset is validated after the form's own clean().
        valid = super().is_valid()
        data = self.cleaned_data
        if not data.get("item_type"):
            return valid
        problems = itembank.content_errors(
            item_type=data["item_type"],
            stem=data.get("stem") or "",
            options=self._options(),
            numeric_answer=data.get("numeric_answer"),
            has_image=bool(data.get("image")),
            image_alt=data.get("image_alt") or "",
            a=data.get("a"),
            b=data.get("b"),
            c=data.get("c"),
        )
        for name, message in problems:
            self.add_error(name if name in self.fields else None, message)
        return valid and not problems

    def save(self, commit: bool = True) -> Item:
        item = super().save(commit=commit)
        if commit and self.signature_before is not None:
            if itembank.content_signature(item) != self.signature_before:
                item.revision += 1
                item.save(update_fields=["revision"])
        return item


def _params_badge(item: Item) -> str:
    label = f"a = {item.a:.2f} · b = {item.b:.2f}"
    if item.parameter_source == Item.ParameterSource.EXPERT_SEED:
        return format_html(
            '{} <span class="w-status w-status--label">{}</span>',
            label,
            _("paramètres provisoires"),
        )
    return label


class ItemIndexView(IndexView):
    """The item list, with import and export of the filtered items."""

    def get_base_queryset(self) -> Any:
        return super().get_base_queryset().select_related("competence")

    @property
    def header_more_buttons(self) -> list[Button]:
        buttons = list(super().header_more_buttons)
        if not can_manage_items(self.request.user):
            return buttons
        query = self.request.GET.urlencode()
        suffix = f"?{query}" if query else ""
        buttons += [
            Button(
                _("Importer des items"),
                url=reverse("selftest_itembank:import"),
                icon_name="upload",
                priority=50,
            ),
            Button(
                _("Exporter (JSON, avec les clés)"),
                url=reverse("selftest_itembank:export", args=["json"]) + suffix,
                icon_name="download",
                priority=60,
            ),
            Button(
                _("Exporter (CSV, avec les clés)"),
                url=reverse("selftest_itembank:export", args=["csv"]) + suffix,
                icon_name="download",
                priority=70,
            ),
        ]
        return buttons


class ItemViewSet(SnippetViewSet):
    model = Item
    icon = "tasks"
    menu_label = gettext_lazy("Items")
    index_view_class = ItemIndexView
    list_per_page = 50
    ordering = ["competence__code", "target_level", "uid"]
    search_fields = ["uid", "stem"]
    filterset_class = ItemFilterSet
    list_display = [
        "uid",
        Column(
            "competence",
            label=gettext_lazy("Compétence"),
            accessor=lambda item: item.competence.code,
            sort_key="competence__code",
        ),
        Column("target_level", label=gettext_lazy("Niveau"), sort_key="target_level"),
        Column(
            "item_type", label=gettext_lazy("Type"), accessor="get_item_type_display"
        ),
        Column("status", label=gettext_lazy("Statut"), accessor="get_status_display"),
        Column("params", label=gettext_lazy("Paramètres"), accessor=_params_badge),
        Column("n_responses", label=gettext_lazy("Réponses"), sort_key="n_responses"),
    ]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldPanel("uid"),
                    FieldRowPanel(
                        [
                            FieldPanel("competence"),
                            FieldPanel("target_level"),
                            FieldPanel("item_type"),
                        ]
                    ),
                    FieldRowPanel([FieldPanel("status"), FieldPanel("family")]),
                ],
                heading=gettext_lazy("Classement"),
            ),
            FieldPanel("stem"),
            MultiFieldPanel(
                [FieldPanel("image"), FieldPanel("image_alt")],
                heading=gettext_lazy("Image"),
            ),
            InlinePanel(
                "options",
                heading=gettext_lazy("Propositions"),
                label=gettext_lazy("Proposition"),
                help_text=gettext_lazy(
                    "Remise en ordre : saisissez les propositions dans le bon ordre "
                    "(c'est la clé) ; elles sont mélangées à l'affichage."
                ),
                max_num=itembank.MAX_OPTIONS,
            ),
            FieldPanel("shuffle_options"),
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [
                            FieldPanel("numeric_answer"),
                            FieldPanel("numeric_tolerance"),
                            FieldPanel("numeric_unit"),
                        ]
                    )
                ],
                heading=gettext_lazy("Réponse numérique"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("a"), FieldPanel("b"), FieldPanel("c")]),
                    FieldRowPanel([FieldPanel("se_a"), FieldPanel("se_b")]),
                    FieldPanel("parameter_source"),
                ],
                heading=gettext_lazy("Paramètres IRT"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("screen_reader_ok"),
                    FieldPanel("keyboard_only_ok"),
                    FieldPanel("colour_blind_ok"),
                    FieldPanel("est_seconds"),
                ],
                heading=gettext_lazy("Accessibilité et durée"),
            ),
            FieldPanel("is_demo"),
        ],
        base_form_class=ItemAdminForm,
    )


# --- Families ----------------------------------------------------------------


class ItemFamilyViewSet(SnippetViewSet):
    model = ItemFamily
    icon = "folder-open-inverse"
    menu_label = gettext_lazy("Familles d'items")
    search_fields = ["name"]
    list_display = ["name", "notes"]
    panels = [FieldPanel("name"), FieldPanel("notes")]


# --- Blueprints --------------------------------------------------------------

#: Fields that may still change once a blueprint has been taken.
BLUEPRINT_FREE_FIELDS = frozenset({"name", "description", "is_active"})


class BlueprintAdminForm(WagtailAdminModelForm):
    """Cut scores: five increasing numbers per competence of the blueprint."""

    def clean_cut_scores(self) -> dict[str, list[float]]:
        value = self.cleaned_data.get("cut_scores") or {}
        if not isinstance(value, dict):
            raise forms.ValidationError(
                _('Un objet JSON attendu, ex. {"2.1": [-2, -1, 0, 1, 2]}.')
            )
        from lms.models import Competence

        codes = set(Competence.objects.values_list("code", flat=True))
        cleaned: dict[str, list[float]] = {}
        problems = []
        for code, cuts in value.items():
            if code not in codes:
                problems.append(
                    _("« %(code)s » : compétence inconnue.") % {"code": code}
                )
                continue
            numbers = (
                cuts
                if isinstance(cuts, list)
                and len(cuts) == 5
                and all(
                    isinstance(x, int | float) and not isinstance(x, bool) for x in cuts
                )
                else None
            )
            if numbers is None or any(
                not -6 <= x <= 6 or (i and x <= numbers[i - 1])
                for i, x in enumerate(numbers)
            ):
                problems.append(
                    _(
                        "« %(code)s » : cinq nombres strictement croissants entre "
                        "−6 et 6 attendus (seuils A2, B1, B2, C1, C2)."
                    )
                    % {"code": code}
                )
                continue
            cleaned[code] = [float(x) for x in numbers]
        if problems:
            raise forms.ValidationError(problems)
        return cleaned

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        competences = cleaned.get("competences")
        cuts = cleaned.get("cut_scores") or {}
        if competences is not None:
            chosen = {c.code for c in competences}
            outside = sorted(set(cuts) - chosen)
            if outside:
                self.add_error(
                    "cut_scores",
                    _("Seuils pour des compétences hors du modèle : %(codes)s.")
                    % {"codes": ", ".join(outside)},
                )
        if self.instance.pk and self.instance.attempts.exists():
            locked = [
                name for name in self.changed_data if name not in BLUEPRINT_FREE_FIELDS
            ]
            if locked:
                self.add_error(
                    None,
                    _(
                        "Ce modèle a déjà été passé : seuls le nom, la présentation "
                        "et « proposé » peuvent changer. Copiez-le en une nouvelle "
                        "version pour modifier le reste."
                    ),
                )
        return cleaned


class BlueprintViewSet(SnippetViewSet):
    model = Blueprint
    icon = "clipboard-list"
    menu_label = gettext_lazy("Modèles de test")
    search_fields = ["name", "slug"]
    list_display = ["name", "slug", "version", "mode", "is_active"]
    edit_handler = ObjectList(
        [
            FieldRowPanel(
                [FieldPanel("name"), FieldPanel("slug"), FieldPanel("version")]
            ),
            FieldRowPanel([FieldPanel("mode"), FieldPanel("is_active")]),
            FieldPanel("description"),
            FieldPanel("competences", widget=forms.CheckboxSelectMultiple),
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [
                            FieldPanel("min_items_per_competence"),
                            FieldPanel("max_items_per_competence"),
                            FieldPanel("se_target_competence"),
                        ]
                    ),
                    FieldRowPanel(
                        [
                            FieldPanel("min_items_total"),
                            FieldPanel("max_items_total"),
                            FieldPanel("se_target_global"),
                        ]
                    ),
                    FieldRowPanel(
                        [
                            FieldPanel("top_k"),
                            FieldPanel("exposure_ceiling"),
                            FieldPanel("pretest_items_per_attempt"),
                        ]
                    ),
                    FieldRowPanel(
                        [
                            FieldPanel("time_limit_seconds"),
                            FieldPanel("retake_min_days"),
                        ]
                    ),
                ],
                heading=gettext_lazy("Limites"),
            ),
            FieldPanel(
                "cut_scores",
                help_text=gettext_lazy(
                    'Seuils θ fixés par les experts, par compétence : {"2.1": '
                    "[-2, -1, 0, 1, 2]} (entrées en A2, B1, B2, C1, C2). Sans seuils, "
                    "ils sont dérivés de la banque et affichés comme provisoires."
                ),
            ),
        ],
        base_form_class=BlueprintAdminForm,
    )


item_viewset = ItemViewSet()
SUBMENU_HOOK = "register_selftest_itembank_menu_item"


class SelftestViewSetGroup(SnippetViewSetGroup):
    menu_label = gettext_lazy("Autotest — banque d'items")
    menu_name = "selftest-itembank"
    menu_icon = "tasks"
    menu_order = 230
    submenu_hook = SUBMENU_HOOK
    items = (item_viewset, ItemFamilyViewSet, BlueprintViewSet)


register_snippet(SelftestViewSetGroup)


class ImportMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return can_manage_items(request.user)


@hooks.register(SUBMENU_HOOK)
def register_import_menu_item() -> MenuItem:
    return ImportMenuItem(
        gettext_lazy("Importer / exporter"),
        reverse("selftest_itembank:import"),
        name="selftest-itembank-import",
        icon_name="upload",
        order=10,
    )


# --- After each change: bank version, audit, protected deletions ---------------


def _items(objects: Any) -> list[Item]:
    if isinstance(objects, Item):
        return [objects]
    if isinstance(objects, list | tuple):
        return [obj for obj in objects if isinstance(obj, Item)]
    return []


@hooks.register("after_create_snippet")
def item_created(request: HttpRequest, instance: Any) -> None:
    if isinstance(instance, Item):
        audit.record(
            request.user,
            [instance],
            audit.ADDITION,
            _("Item créé dans l'administration."),
            logger=logger,
        )
    if isinstance(instance, Item | ItemFamily):
        itembank.schedule_bank_bump()


@hooks.register("after_edit_snippet")
def item_edited(request: HttpRequest, instance: Any) -> None:
    if isinstance(instance, Item):
        audit.record(
            request.user,
            [instance],
            audit.CHANGE,
            _("Item modifié dans l'administration (révision %(n)s).")
            % {"n": instance.revision},
            logger=logger,
        )
    if isinstance(instance, Item | ItemFamily):
        itembank.schedule_bank_bump()


@hooks.register("before_delete_snippet")
def item_before_delete(request: HttpRequest, instances: Any) -> HttpResponse | None:
    """Refuse to delete answered items (retire them instead); remember the rest."""
    items = _items(instances)
    if not items:
        return None
    answered = sorted(
        ItemResponse.objects.filter(item__in=items)
        .values_list("item__uid", flat=True)
        .distinct()
    )
    if answered:
        messages.error(
            request,
            _(
                "Ces items ont déjà reçu des réponses et ne peuvent pas être "
                "supprimés : passez-les au statut « retiré ». (%(uids)s)"
            )
            % {"uids": ", ".join(answered)},
        )
        return HttpResponseRedirect(reverse(item_viewset.get_url_name("list")))
    if request.method == "POST":
        request._selftest_deleted_items = [copy.copy(item) for item in items]  # type: ignore[attr-defined]
    return None


@hooks.register("after_delete_snippet")
def item_deleted(request: HttpRequest, instances: Any) -> None:
    deleted = getattr(request, "_selftest_deleted_items", None)
    if deleted:
        audit.record(
            request.user,
            deleted,
            audit.DELETION,
            _("Item supprimé dans l'administration."),
            logger=logger,
        )
    if _items(instances) or any(isinstance(i, ItemFamily) for i in instances or []):
        itembank.schedule_bank_bump()
