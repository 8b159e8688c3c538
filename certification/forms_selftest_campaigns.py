"""Forms of self-test campaigns: creating a campaign, joining with a code."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.permissions import is_ifpc_staff

from .models import Blueprint, Campaign
from .selftest import campaigns as service
from .selftest.engine import LEVELS

DATETIME_WIDGET = forms.DateTimeInput(
    attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
)
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]


class CampaignForm(forms.Form):
    """A new campaign; the scope choices are those ``user`` may use."""

    title = forms.CharField(
        label=_("Intitulé"),
        max_length=200,
        error_messages={"required": _("Donnez un intitulé à la campagne.")},
    )
    landing_text = forms.CharField(
        label=_("Texte d'accueil"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Affiché aux participant·es avant le test (facultatif)."),
    )
    scope = forms.ChoiceField(
        label=_("Organisation"),
        error_messages={"invalid_choice": _("Choisissez une organisation proposée.")},
    )
    cohort = forms.ModelChoiceField(
        label=_("Cohorte"),
        queryset=None,
        empty_label=_("— choisir —"),
        required=False,
        help_text=_("Pour une campagne de cohorte."),
        error_messages={"invalid_choice": _("Choisissez une cohorte proposée.")},
    )
    establishment = forms.ModelChoiceField(
        label=_("Établissement"),
        queryset=None,
        empty_label=_("— choisir —"),
        required=False,
        help_text=_("Pour une campagne d'établissement."),
        error_messages={"invalid_choice": _("Choisissez un établissement proposé.")},
    )
    blueprint = forms.ModelChoiceField(
        label=_("Modèle de test"),
        empty_label=_("— choisir —"),
        queryset=Blueprint.objects.filter(is_active=True).order_by("name", "-version"),
        error_messages={
            "required": _("Choisissez un modèle de test."),
            "invalid_choice": _("Choisissez un modèle de test proposé."),
        },
    )
    opens_at = forms.DateTimeField(
        label=_("Ouverture"),
        widget=DATETIME_WIDGET,
        input_formats=DATETIME_FORMATS,
        error_messages={
            "required": _("Indiquez la date d'ouverture."),
            "invalid": _("Date invalide : utilisez le format JJ/MM/AAAA HH:MM."),
        },
    )
    closes_at = forms.DateTimeField(
        label=_("Clôture"),
        required=False,
        widget=DATETIME_WIDGET,
        input_formats=DATETIME_FORMATS,
        help_text=_("Laissez vide pour une campagne sans date de fin."),
        error_messages={
            "invalid": _("Date invalide : utilisez le format JJ/MM/AAAA HH:MM.")
        },
    )
    allow_retake = forms.BooleanField(
        label=_("Permettre un nouveau passage après le partage des résultats"),
        required=False,
        initial=True,
    )
    retake_min_days = forms.IntegerField(
        label=_("Délai avant un nouveau passage (jours)"),
        min_value=0,
        max_value=365,
        initial=4,
        error_messages={
            "required": _("Indiquez un délai (0 à 365 jours)."),
            "min_value": _("Le délai ne peut pas être négatif."),
            "max_value": _("Le délai ne dépasse pas 365 jours."),
        },
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        from lms.models import Establishment
        from tutoring.models import Cohort
        from tutoring.permissions import cohorts_tutored_by

        kwargs.setdefault(
            "initial", {"opens_at": timezone.localtime().replace(second=0)}
        )
        super().__init__(*args, **kwargs)
        self.user = user
        staff = is_ifpc_staff(user)
        cohorts = (
            Cohort.objects.filter(is_archived=False)
            if staff
            else cohorts_tutored_by(user).filter(is_archived=False)
        )
        establishments = (
            Establishment.objects.all()
            if staff
            else Establishment.objects.filter(
                pk__in=service.directed_establishment_ids(user)
            )
        )
        self.fields["cohort"].queryset = cohorts.order_by("-starts_on", "code")
        self.fields["establishment"].queryset = establishments.order_by("name")
        choices = []
        if staff:
            choices.append((Campaign.Scope.IFPC, _("IFPC (tout le personnel)")))
        if staff or cohorts.exists():
            choices.append((Campaign.Scope.COHORT, _("Une cohorte que j'accompagne")))
        if staff or establishments.exists():
            choices.append(
                (Campaign.Scope.ESTABLISHMENT, _("Un établissement que je dirige"))
            )
        self.fields["scope"].choices = choices
        if len(choices) == 1:
            self.fields["scope"].initial = choices[0][0]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        scope = data.get("scope")
        if scope == Campaign.Scope.COHORT and not data.get("cohort"):
            self.add_error("cohort", _("Choisissez la cohorte de la campagne."))
        if scope == Campaign.Scope.ESTABLISHMENT and not data.get("establishment"):
            self.add_error(
                "establishment", _("Choisissez l'établissement de la campagne.")
            )
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("La clôture doit suivre l'ouverture."))
        return data


class TargetLevelsForm(forms.Form):
    """An optional target level per DigCompEdu competence (one select each)."""

    def __init__(self, *args: Any, competences: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.competences = competences
        for competence in competences:
            self.fields[competence.code] = forms.ChoiceField(
                label=f"{competence.code} {competence.name_fr}",
                required=False,
                choices=[("", _("— aucun —")), *[(lv, lv) for lv in LEVELS]],
                error_messages={"invalid_choice": _("Choisissez un niveau proposé.")},
            )

    def targets(self) -> dict[str, str]:
        return {code: level for code, level in self.cleaned_data.items() if level}


class JoinForm(forms.Form):
    code = forms.CharField(
        label=_("Code de la campagne"),
        max_length=40,
        help_text=_(
            "9 caractères, par exemple BCD-FGH-234 : majuscules ou minuscules, "
            "espaces et tirets permis."
        ),
        error_messages={"required": _("Saisissez le code de la campagne.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters"}
        ),
    )
