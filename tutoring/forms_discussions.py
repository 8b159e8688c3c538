"""Forms of the forum and notification pages; the rules live in the services."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from .discussions import MAX_REASON_LENGTH, MAX_TITLE_LENGTH
from .models import NotificationPreference

BODY_HELP = _(
    "Mise en forme possible : gras, italique, listes, liens, citations, code. "
    "Pour mentionner une personne du groupe, écrivez @ suivi de la partie de "
    "son adresse e-mail avant le @ (par exemple @marie.dupont)."
)


class _TokenMixin(forms.Form):
    """A hidden idempotency key: a double submit of the same form creates one post."""

    client_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class ReplyForm(_TokenMixin):
    # No max_length here: the service answers an oversized body with a clear
    # message (and the browser's maxlength would silently cut pasted text).
    body = forms.CharField(
        label=_("Votre réponse"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=BODY_HELP,
        error_messages={"required": _("Rédigez votre message.")},
    )
    field_order = ["body", "client_token"]


class ThreadForm(ReplyForm):
    title = forms.CharField(
        label=_("Sujet"), error_messages={"required": _("Indiquez un sujet.")}
    )
    announcement = forms.BooleanField(
        label=_("Annonce épinglée (chaque apprenant·e est prévenu·e)"),
        required=False,
    )
    field_order = ["title", "body", "announcement", "client_token"]

    def __init__(
        self, *args: object, can_announce: bool = False, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].label = _("Message")
        self.fields["title"].help_text = _("%(max)s caractères au maximum.") % {
            "max": MAX_TITLE_LENGTH
        }
        if not can_announce:
            del self.fields["announcement"]


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du signalement"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Indiquez le motif du signalement.")},
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["reason"].help_text = _("%(max)s caractères au maximum.") % {
            "max": MAX_REASON_LENGTH
        }


class NotificationPreferenceForm(forms.Form):
    email = forms.ChoiceField(
        label=_("Recevoir mes notifications par courriel"),
        choices=NotificationPreference.Email.choices,
        widget=forms.RadioSelect,
    )
