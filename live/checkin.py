"""QR check-in of in-person days: signed, time-limited codes, single use per learner.

The tutor's screen shows a code for one half-day, refreshed before it expires.
A code carries the day id, the half and a random nonce, signed with a
``TimestampSigner`` (salt ``live.checkin``) and valid
``settings.LIVE_CHECKIN_TOKEN_SECONDS``. Every learner in the room may use the
displayed code once (``QrCheckIn`` is unique per nonce and user): a replay of
the same code by the same learner is refused, whatever happened in between.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.emails import absolute_url
from tutoring.permissions import learner_enrolment

from .attendance import mark_half_day
from .models import AttendanceRecord, InPersonDay, QrCheckIn

logger = logging.getLogger(__name__)

SALT = "live.checkin"
OPENS_MINUTES_BEFORE = 30


class CheckInRefused(Exception):  # noqa: N818  (the contract's name)
    """A check-in was refused; ``message`` is shown to the learner (French)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class CheckInToken:
    day: InPersonDay
    half: str
    nonce: str


@dataclass(frozen=True, slots=True)
class CheckInResult:
    day: InPersonDay
    half: str
    record: AttendanceRecord
    checked_in_at: dt.datetime

    @property
    def is_present(self) -> bool:
        return self.record.status == AttendanceRecord.Status.PRESENT


def signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def make_token(day: InPersonDay, half: str, *, using: Any = None) -> str:
    """A fresh code for ``half`` of ``day`` (``using``: a signer, for tests)."""
    if day.half_bounds(half) is None:
        raise ValueError(f"day {day.pk} has no half {half!r}")
    # A short plain value keeps the typed-in URL as short as possible.
    return (using or signer()).sign(f"{day.pk}.{half}.{secrets.token_urlsafe(9)}")


def checkin_url(token: str) -> str:
    """The absolute URL a learner's phone opens."""
    return absolute_url(reverse("live:checkin", args=[token]))


def checkin_window(day: InPersonDay, half: str) -> tuple[dt.datetime, dt.datetime]:
    start, end = day.half_bounds(half)  # type: ignore[misc]
    return start - dt.timedelta(minutes=OPENS_MINUTES_BEFORE), end


def read(token: str) -> CheckInToken:
    """Check the signature, the age and the day of a code (not the learner).

    Raises ``CheckInRefused`` with a French message.
    """
    try:
        value = signer().unsign(token, max_age=settings.LIVE_CHECKIN_TOKEN_SECONDS)
    except signing.SignatureExpired:
        raise CheckInRefused(
            _("Ce code a expiré : scannez le code affiché actuellement.")
        ) from None
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        raise CheckInRefused(
            _(
                "Ce code n'est pas valide. Scannez à nouveau le code affiché "
                "par votre tuteur·rice."
            )
        ) from None
    day_id, _sep, rest = value.partition(".")
    half, _sep, nonce = rest.partition(".")
    day = (
        InPersonDay.objects.select_related("cohort").filter(pk=day_id).first()
        if day_id.isdigit()
        else None
    )
    if day is None or not nonce or day.half_bounds(half) is None:
        raise CheckInRefused(_("Ce code ne correspond à aucune journée."))
    if day.is_cancelled:
        raise CheckInRefused(_("Cette journée a été annulée."))
    now = timezone.now()
    if day.date != timezone.localdate(now):
        raise CheckInRefused(
            _("Ce code concerne la journée du %(date)s, pas celle d'aujourd'hui.")
            % {"date": day.date.strftime("%d/%m/%Y")}
        )
    opens, closes = checkin_window(day, half)
    if not opens <= now <= closes:
        start, end = day.half_bounds(half)  # type: ignore[misc]
        raise CheckInRefused(
            _(
                "Le pointage de %(half)s n'est pas ouvert : il est possible de "
                "%(opens)s à %(end)s."
            )
            % {
                "half": InPersonDay.Half(half).label,
                "opens": timezone.localtime(opens).strftime("%H:%M"),
                "end": timezone.localtime(end).strftime("%H:%M"),
            }
        )
    return CheckInToken(day, half, nonce)


def check(token: str, user: Any) -> CheckInToken:
    """Everything ``redeem`` checks, without recording (the confirmation page)."""
    parsed = read(token)
    if learner_enrolment(user, parsed.day.cohort_id) is None:
        raise CheckInRefused(
            _(
                "Vous n'êtes pas inscrit·e comme participant·e de cette formation : "
                "votre présence ne peut pas être enregistrée ici."
            )
        )
    if QrCheckIn.objects.filter(nonce=parsed.nonce, user=user).exists():
        raise CheckInRefused(
            _(
                "Ce code a déjà été utilisé. Votre passage est déjà noté ; si "
                "besoin, scannez le code affiché actuellement."
            )
        )
    return parsed


def redeem(token: str, user: Any) -> CheckInResult:
    """Record ``user`` present for the code's half-day (source QR).

    Refuses (``CheckInRefused``): bad signature, expired code, cancelled day,
    not today or half not in progress (from 30 min before its start to its
    end), not an active learner of the cohort, replay by the same learner.
    The ``QrCheckIn`` row and the mark are written in one transaction. A mark
    already set by a tutor is left as it is (the check-in time is kept).
    """
    parsed = check(token, user)
    try:
        with transaction.atomic():
            checkin = QrCheckIn.objects.create(
                day=parsed.day, half=parsed.half, user=user, nonce=parsed.nonce
            )
            record, _changed = mark_half_day(
                parsed.day,
                parsed.half,
                user.pk,
                AttendanceRecord.Status.PRESENT,
                source=AttendanceRecord.Source.QR,
                by=user,
            )
    except IntegrityError:
        # The same learner sent the same code twice at once.
        raise CheckInRefused(_("Ce code a déjà été utilisé.")) from None
    logger.info(
        "qr check-in day=%s half=%s user=%s", parsed.day.pk, parsed.half, user.pk
    )
    return CheckInResult(parsed.day, parsed.half, record, checkin.checked_in_at)


def checkin_count(day: InPersonDay, half: str) -> int:
    """How many learners checked in with a code for this half-day."""
    return (
        QrCheckIn.objects.filter(day=day, half=half)
        .values("user_id")
        .distinct()
        .count()
    )
