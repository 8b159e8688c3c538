"""E-mails telling people what happened to their registration (text + HTML).

One e-mail per ``RegistrationLog`` entry; its template is chosen from the
status change (``catalogue/emails/<name>_subject.txt``, ``_body.txt``,
``_body.html``) and rendered in the person's preferred language. Acceptances
(direct or from the waitlist) carry the session's ``.ics`` file.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from lms.emails import absolute_url, templated_email

from .ics import calendar_filename, session_calendar
from .models import Registration, RegistrationLog

logger = logging.getLogger(__name__)

Status = Registration.Status

#: How long the "already sent" marker of a log entry is kept.
SENT_MARKER_SECONDS = 60 * 24 * 3600

#: E-mails that carry the session's calendar.
WITH_CALENDAR = frozenset({"registration_accepted", "registration_promoted"})


def email_name(log: RegistrationLog) -> str:
    """The template name for a status change (``registration_<what>``)."""
    if log.to_status == Status.ACCEPTED:
        if log.from_status == Status.WAITLISTED and log.actor_id is None:
            # Automatic promotion when a seat freed up (staff acceptances of
            # waitlisted people read as an ordinary confirmation).
            return "registration_promoted"
        return "registration_accepted"
    return {
        Status.PENDING: "registration_pending",
        Status.WAITLISTED: "registration_waitlisted",
        Status.REFUSED: "registration_refused",
        Status.CANCELLED: "registration_cancelled",
    }[log.to_status]


def _absolute(path: str) -> str:
    return absolute_url(path)


def _training_url(registration: Registration) -> str:
    training = registration.session.training
    url = training.get_url() or ""
    return url if url.startswith("http") else _absolute(url) if url else ""


def build_message(log: RegistrationLog) -> EmailMultiAlternatives:
    """The e-mail for ``log`` (to the registered person), not yet sent."""
    registration = log.registration
    user = registration.user
    session = registration.session
    name = email_name(log)
    training_url = _training_url(registration)
    context: dict[str, Any] = {
        "user": user,
        "registration": registration,
        "session": session,
        "training": session.training,
        "days": list(session.days.all()),
        "note": log.note if log.actor_id != registration.user_id else "",
        "is_self_cancelled": log.actor_id == registration.user_id,
        "training_url": training_url,
        "my_registrations_url": _absolute(reverse("catalogue:my_registrations")),
        "with_calendar": name in WITH_CALENDAR,
    }
    language = user.preferred_language or settings.LANGUAGE_CODE
    context["language"] = language
    message = templated_email(
        f"catalogue/emails/{name}", context, to=user.email, language=language
    )
    if name in WITH_CALENDAR:
        message.attach(
            calendar_filename(session),
            session_calendar(session, url=training_url),
            "text/calendar; charset=utf-8; method=PUBLISH",
        )
    return message


def send_for_log(log_id: int) -> bool:
    """Send the e-mail of log entry ``log_id`` once; return whether it was sent."""
    log = (
        RegistrationLog.objects.select_related(
            "registration__user",
            "registration__session__training",
        )
        .filter(pk=log_id)
        .first()
    )
    if log is None:
        logger.warning("registration log %s vanished before its e-mail", log_id)
        return False
    if not log.registration.user.email:
        return False
    # The timestamp keeps markers of a re-created database from matching.
    marker = f"catalogue:registration-email:{log_id}:{log.created_at.timestamp()}"
    if not cache.add(marker, 1, SENT_MARKER_SECONDS):
        return False
    try:
        build_message(log).send()
    except BaseException:
        cache.delete(marker)
        raise
    return True
