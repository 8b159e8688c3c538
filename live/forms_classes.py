"""Forms of the virtual class pages (schedule/edit, cancel)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .classes import linkable_activities
from .models import VirtualClass

BRUSSELS = ZoneInfo("Europe/Brussels")


class ActivityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.title


class ClassForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=200)
    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    time = forms.TimeField(
        label=_("Heure de début"),
        help_text=_("Heure de Bruxelles."),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    duration_minutes = forms.IntegerField(
        label=_("Durée (minutes)"),
        initial=90,
        min_value=15,
        max_value=600,
        error_messages={
            "min_value": _("La durée doit être comprise entre 15 et 600 minutes."),
            "max_value": _("La durée doit être comprise entre 15 et 600 minutes."),
        },
    )
    record_allowed = forms.BooleanField(
        label=_("Autoriser l'enregistrement"),
        required=False,
        help_text=_(
            "Le tuteur ou la tutrice lance et arrête l'enregistrement dans la classe ; "
            "les participant·es en sont informé·es."
        ),
    )
    guest_policy = forms.ChoiceField(
        label=_("Invités"),
        choices=VirtualClass.GuestPolicy.choices,
        initial=VirtualClass.GuestPolicy.ALWAYS_DENY,
    )
    max_participants = forms.IntegerField(
        label=_("Participants au maximum"),
        required=False,
        min_value=2,
        max_value=1000,
        help_text=_("Vide : pas de limite."),
    )
    welcome = forms.CharField(
        label=_("Message d'accueil"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    activity = ActivityChoiceField(
        label=_("Activité du parcours"),
        queryset=VirtualClass.objects.none(),
        required=False,
        empty_label=_("— Aucune —"),
        help_text=_(
            "Une activité « classe virtuelle » du parcours, complétée par la présence."
        ),
    )

    def __init__(
        self,
        *args: Any,
        cohort: Any,
        virtual_class: VirtualClass | None = None,
        **kwargs: Any,
    ) -> None:
        if virtual_class is not None and "initial" not in kwargs:
            local = virtual_class.starts_at.astimezone(BRUSSELS)
            kwargs["initial"] = {
                "title": virtual_class.title,
                "date": local.date(),
                "time": local.time().replace(second=0, microsecond=0),
                "duration_minutes": virtual_class.duration_minutes,
                "record_allowed": virtual_class.record_allowed,
                "guest_policy": virtual_class.guest_policy,
                "max_participants": virtual_class.max_participants,
                "welcome": virtual_class.welcome,
                "activity": virtual_class.activity_id,
            }
        super().__init__(*args, **kwargs)
        self.cohort = cohort
        self.fields["activity"].queryset = linkable_activities(cohort, virtual_class)
        if not self.fields["activity"].queryset.exists():
            del self.fields["activity"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        day, time = data.get("date"), data.get("time")
        if day is not None and time is not None:
            data["starts_at"] = dt.datetime.combine(day, time, tzinfo=BRUSSELS)
            data["starts_at"] = data["starts_at"].astimezone(dt.UTC)
        return data

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {
            "title": data["title"],
            "starts_at": data["starts_at"],
            "duration_minutes": data["duration_minutes"],
            "record_allowed": data["record_allowed"],
            "guest_policy": data["guest_policy"],
            "max_participants": data.get("max_participants"),
            "welcome": data.get("welcome", ""),
        }
        if "activity" in self.fields:
            fields["activity"] = data.get("activity")
        return fields


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de l'annulation"),
        max_length=300,
        help_text=_("Envoyé aux participant·es avec l'annonce de l'annulation."),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Indiquez le motif de l'annulation.")},
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de la réouverture"),
        max_length=300,
        help_text=_("Gardé dans le journal de la classe."),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Indiquez le motif de la réouverture.")},
    )


def now_local() -> dt.datetime:
    return timezone.now().astimezone(BRUSSELS)
