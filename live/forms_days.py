"""Forms of in-person days: schedule/edit a day, cancel it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .days import linkable_activities, validate_halves
from .models import InPersonDay


class DayForm(forms.ModelForm):
    """Title, date, morning and/or afternoon, place, notes, linked activity."""

    class Meta:
        model = InPersonDay
        fields = [
            "title",
            "date",
            "morning_starts",
            "morning_ends",
            "afternoon_starts",
            "afternoon_ends",
            "venue",
            "address",
            "city",
            "notes",
            "activity",
        ]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "morning_starts": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "morning_ends": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "afternoon_starts": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "afternoon_ends": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "morning_starts": _("Laissez le matin vide pour une après-midi seule."),
            "afternoon_starts": _("Laissez l'après-midi vide pour un matin seul."),
            "notes": _("Accès, parking, repas, matériel à apporter…"),
        }

    def __init__(self, *args: Any, cohort: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cohort = cohort
        field = self.fields["activity"]
        field.queryset = linkable_activities(cohort, self.instance).select_related(
            "module"
        )
        field.required = False
        field.empty_label = _("Aucune")
        field.label = _("Activité du parcours liée")
        field.help_text = _(
            "Une activité « journée en présentiel » du parcours : elle est "
            "achevée par la présence à cette journée."
        )
        self.fields["title"].widget.attrs["autocomplete"] = "off"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            validate_halves(
                data.get("morning_starts"),
                data.get("morning_ends"),
                data.get("afternoon_starts"),
                data.get("afternoon_ends"),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.error_dict.items():
                    if name not in self.errors:
                        for item in errors:
                            self.add_error(name, item)
            else:
                self.add_error(None, error)
        return data

    def _post_clean(self) -> None:
        # The service validates and saves; skip the model's full_clean so the
        # database constraint message never replaces our French ones.
        pass

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class CancelDayForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif (envoyé aux participant·es)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=_("Je confirme l'annulation de cette journée"),
        error_messages={"required": _("Cochez la case pour confirmer l'annulation.")},
    )
