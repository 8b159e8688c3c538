"""Forms of the portfolio part: creating a share link."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .sharing import DURATION_CHOICES


class ShareLinkForm(forms.Form):
    label = forms.CharField(
        label=_("Destinataire"),
        max_length=120,
        help_text=_("Pour vous y retrouver, par ex. « Inspection, juin »."),
        error_messages={"required": _("Indiquez pour qui est ce lien.")},
    )
    days = forms.TypedChoiceField(
        label=_("Durée de validité"),
        choices=DURATION_CHOICES,
        coerce=int,
        initial=30,
        help_text=_("Le lien cesse de fonctionner après cette durée (un an au plus)."),
        error_messages={"invalid_choice": _("Choisissez une durée proposée.")},
    )

    def clean_label(self) -> str:
        label = self.cleaned_data["label"].strip()
        if not label:
            raise forms.ValidationError(_("Indiquez pour qui est ce lien."))
        return label
