"""Messages a tutor sends to a chosen set of learners of a cohort.

The message is stored once (``TutorMessage`` with its recipients) and each
recipient gets an in-app notification of kind ``message``; ``notify`` then
e-mails it immediately or in the next digest, as each learner chose.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lms import audit

from .models import Cohort, TutorMessage
from .notify import notify
from .permissions import scoped_enrolments

logger = logging.getLogger(__name__)

MAX_SUBJECT = 200
MAX_BODY = 10_000


def cohort_home_url(cohort: Cohort) -> str:
    """The path of the cohort's home page (the learners' entry point)."""
    return reverse("tutoring:cohort_home", args=[cohort.pk])


def _validate(subject: str, body: str) -> tuple[str, str]:
    subject = (subject or "").strip()
    body = (body or "").strip()
    errors: dict[str, list[str]] = {}
    if not subject:
        errors["subject"] = [_("Indiquez un objet.")]
    elif len(subject) > MAX_SUBJECT:
        errors["subject"] = [_("200 caractères au maximum.")]
    if not body:
        errors["body"] = [_("Écrivez votre message.")]
    elif len(body) > MAX_BODY:
        errors["body"] = [_("10 000 caractères au maximum.")]
    if errors:
        raise ValidationError(errors)
    return subject, body


def _existing(key: uuid.UUID, cohort: Cohort, sender: Any) -> TutorMessage | None:
    message = TutorMessage.objects.filter(idempotency_key=key).first()
    if message is None:
        return None
    if message.cohort_id != cohort.pk or message.sender_id != sender.pk:
        raise ValidationError(
            _("Ce formulaire a déjà servi : rechargez la page."), code="key_reused"
        )
    return message


def send_tutor_message(
    cohort: Cohort,
    sender: Any,
    recipients: Iterable[Any],
    subject: str,
    body: str,
    *,
    idempotency_key: uuid.UUID | None = None,
    filter_description: str = "",
) -> TutorMessage:
    """Send a message from a tutor to learners of ``cohort``.

    ``recipients``: users or user ids, all active learners of the cohort within
    the sender's tutor scope (a group tutor writes to their groups only).
    Validates a non-empty subject (≤ 200 characters) and body (≤ 10,000),
    stores the message with its recipients and notifies each of them
    (``kind="message"``, e-mailed according to their preference). The same
    ``idempotency_key`` twice returns the first message and sends nothing
    more. Raises ``ValidationError`` (French) and writes nothing otherwise.
    """
    if idempotency_key is not None:
        existing = _existing(idempotency_key, cohort, sender)
        if existing is not None:
            return existing
    subject, body = _validate(subject, body)
    user_ids = list(
        dict.fromkeys(r if isinstance(r, int) else r.pk for r in recipients)
    )
    if not user_ids:
        raise ValidationError(
            _("Choisissez au moins un·e destinataire."), code="no_recipient"
        )
    allowed = set(
        scoped_enrolments(sender, cohort)
        .filter(user_id__in=user_ids, user__is_active=True)
        .values_list("user_id", flat=True)
    )
    refused = [pk for pk in user_ids if pk not in allowed]
    if refused:
        raise ValidationError(
            ngettext(
                "%(count)d destinataire n'est pas un·e apprenant·e actif·ve que vous suivez dans cette cohorte.",
                "%(count)d destinataires ne sont pas des apprenant·es actif·ves que vous suivez dans cette cohorte.",
                len(refused),
            )
            % {"count": len(refused)},
            code="recipient_out_of_scope",
        )
    try:
        with transaction.atomic():
            message = TutorMessage.objects.create(
                cohort=cohort,
                sender=sender,
                subject=subject,
                body=body,
                recipient_count=len(user_ids),
                filter_description=(filter_description or "")[:500],
                idempotency_key=idempotency_key,
            )
            message.recipients.add(*user_ids)
            notify(
                user_ids,
                "message",
                subject,
                body=body,
                url=cohort_home_url(cohort),
                cohort=cohort,
            )
            audit.record(
                sender,
                [message],
                audit.ADDITION,
                _("Message envoyé à %(count)d apprenant·es") % {"count": len(user_ids)},
                logger=logger,
            )
    except IntegrityError:
        # Two submissions of one form raced: the other one stored the message.
        if idempotency_key is None:
            raise
        existing = _existing(idempotency_key, cohort, sender)
        if existing is None:
            raise
        return existing
    return message
