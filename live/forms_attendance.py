"""Forms of the attendance part: corrections, justifications, reviews."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AttendanceRecord


class CorrectionForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Présence"), choices=AttendanceRecord.Status.choices
    )
    minutes_attended = forms.IntegerField(
        label=_("Minutes suivies"),
        min_value=0,
        required=False,
        help_text=_("Vide : toute la séance si présent, 0 si absent ou excusé."),
    )
    reason = forms.CharField(
        label=_("Motif de la correction"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Indiquez le motif de la correction.")},
    )


class JustificationForm(forms.Form):
    slot = forms.ChoiceField(label=_("Séance concernée"))
    reason = forms.CharField(
        label=_("Raison de l'absence"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Expliquez la raison de votre absence.")},
    )
    file = forms.FileField(
        label=_("Justificatif (facultatif)"),
        required=False,
        help_text=_("PDF, JPEG ou PNG."),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
            }
        ),
    )

    def __init__(self, *args, slot_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = [("", _("Choisissez une séance"))] + list(
            slot_choices
        )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[("accept", _("Accepter")), ("reject", _("Refuser"))],
    )
    comment = forms.CharField(label=_("Commentaire"), max_length=500, required=False)
