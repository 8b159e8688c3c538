"""Forms of reminder rules and of the tutor's message to learners."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .messaging import MAX_BODY, MAX_SUBJECT
from .models import NudgeRule
from .nudges import MAX_DAYS, MAX_MESSAGE, MIN_DAYS


class NudgeRuleForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Relancer les apprenant·es"), choices=NudgeRule.Kind.choices
    )
    days = forms.IntegerField(
        label=_("Nombre de jours (N)"),
        min_value=MIN_DAYS,
        max_value=MAX_DAYS,
        help_text=_("De 1 à 90 jours."),
    )
    channel = forms.ChoiceField(
        label=_("Canal"), choices=NudgeRule.Channel.choices, initial="both"
    )
    message = forms.CharField(
        label=_("Message personnalisé (facultatif)"),
        required=False,
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Vide : un message par défaut, adapté à la règle. 2 000 caractères au maximum."
        ),
    )
    is_active = forms.BooleanField(
        label=_("Règle active"), required=False, initial=True
    )


class MessageForm(forms.Form):
    """Compose a message: who receives it (a filter), subject, body."""

    audience = forms.ChoiceField(label=_("Destinataires"))
    subject = forms.CharField(label=_("Objet"), max_length=MAX_SUBJECT)
    body = forms.CharField(
        label=_("Message"),
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "10 000 caractères au maximum. Texte simple : les liens ne sont pas rendus cliquables."
        ),
    )
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, audiences: Sequence[tuple[str, str]] = (), **kwargs: Any
    ) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.fields["audience"].choices = list(audiences)
