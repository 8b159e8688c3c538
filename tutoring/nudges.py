"""Reminder rules of a cohort and the engine that sends reminders (beat, hourly).

A rule selects active, unfinished learners of a running cohort:

* ``inactive``: no tracked activity for N days (as the dashboard's
  ``inactive`` flag, counted from enrolment for those who never started);
  reminded again every N days while the inactivity lasts;
* ``deadline``: their deadline (personal, else the cohort end) falls within the
  next N days; reminded once per deadline (a postponed deadline is a new one);
* ``not_started``: nothing started although the cohort began (and they were
  enrolled) N days ago; reminded once per enrolment.

Throttling: at most one reminder per learner every ``NUDGE_THROTTLE_HOURS``
across all rules and cohorts, and a rule at most once per period
(``NudgeLog.dedup_key`` = ``rule:enrolment:period``, unique). The log row is
inserted first, under a lock on the learner, and the reminder goes out after
commit: a rerun in the same hour, or two workers at once, send nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from lms import audit
from lms.emails import templated_email
from lms.models import User

from .messaging import cohort_home_url
from .models import Cohort, Enrolment, Notification, NudgeLog, NudgeRule
from .notify import notify

logger = logging.getLogger(__name__)

#: A learner gets at most one reminder in this many hours, whatever the rules.
NUDGE_THROTTLE_HOURS = 72
MIN_DAYS = 1
MAX_DAYS = 90
MAX_MESSAGE = 2000

Kind = NudgeRule.Kind
Channel = NudgeRule.Channel

#: When several rules match one learner, the most urgent one is sent.
KIND_PRIORITY = {Kind.DEADLINE: 0, Kind.NOT_STARTED: 1, Kind.INACTIVE: 2}


# --- rules ------------------------------------------------------------------------


def _clean_rule(
    cohort: Cohort,
    kind: str,
    days: Any,
    channel: str,
    message: str,
    *,
    instance: NudgeRule | None = None,
) -> tuple[str, int, str, str]:
    errors: dict[str, list[str]] = {}
    if kind not in Kind.values:
        errors["kind"] = [_("Choisissez un type de règle.")]
    if channel not in Channel.values:
        errors["channel"] = [_("Choisissez un canal.")]
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not MIN_DAYS <= days <= MAX_DAYS:
        errors["days"] = [
            _("Indiquez un nombre de jours entre %(a)d et %(b)d.")
            % {"a": MIN_DAYS, "b": MAX_DAYS}
        ]
    message = (message or "").strip()
    if len(message) > MAX_MESSAGE:
        errors["message"] = [_("2 000 caractères au maximum.")]
    if not errors:
        twins = NudgeRule.objects.filter(cohort=cohort, kind=kind, days=days)
        if instance is not None:
            twins = twins.exclude(pk=instance.pk)
        if twins.exists():
            errors["days"] = [
                _("Une règle de ce type avec ce nombre de jours existe déjà.")
            ]
    if errors:
        raise ValidationError(errors)
    return kind, days, channel, message


@transaction.atomic
def create_rule(
    cohort: Cohort,
    *,
    kind: str,
    days: int,
    channel: str = Channel.BOTH,
    message: str = "",
    by: Any = None,
) -> NudgeRule:
    """Add a reminder rule to ``cohort`` (validated; French ``ValidationError``)."""
    kind, days, channel, message = _clean_rule(cohort, kind, days, channel, message)
    try:
        with transaction.atomic():
            rule = NudgeRule.objects.create(
                cohort=cohort,
                kind=kind,
                days=days,
                channel=channel,
                message=message,
                created_by=by,
            )
    except IntegrityError:
        raise ValidationError(
            {"days": [_("Une règle de ce type avec ce nombre de jours existe déjà.")]}
        ) from None
    audit.record(by, [rule], audit.ADDITION, _("Règle de relance créée"), logger=logger)
    return rule


@transaction.atomic
def update_rule(
    rule: NudgeRule,
    *,
    kind: str,
    days: int,
    channel: str,
    message: str = "",
    is_active: bool = True,
    by: Any = None,
) -> NudgeRule:
    """Change a rule (validated like ``create_rule``)."""
    locked = NudgeRule.objects.select_for_update().get(pk=rule.pk)
    kind, days, channel, message = _clean_rule(
        locked.cohort, kind, days, channel, message, instance=locked
    )
    locked.kind, locked.days, locked.channel = kind, days, channel
    locked.message, locked.is_active = message, bool(is_active)
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError:
        raise ValidationError(
            {"days": [_("Une règle de ce type avec ce nombre de jours existe déjà.")]}
        ) from None
    audit.record(
        by, [locked], audit.CHANGE, _("Règle de relance modifiée"), logger=logger
    )
    return locked


@transaction.atomic
def set_rule_active(rule: NudgeRule, is_active: bool, *, by: Any = None) -> NudgeRule:
    """Deactivate (or reactivate) a rule; its log stays."""
    NudgeRule.objects.filter(pk=rule.pk).update(
        is_active=is_active, updated_at=timezone.now()
    )
    rule.is_active = is_active
    audit.record(
        by,
        [rule],
        audit.CHANGE,
        _("Règle de relance activée")
        if is_active
        else _("Règle de relance désactivée"),
        logger=logger,
    )
    return rule


# --- selection ----------------------------------------------------------------------


def _reference_day(enrolment: Enrolment) -> dt.date:
    return timezone.localdate(enrolment.last_activity_at or enrolment.enrolled_at)


def learner_deadline(enrolment: Enrolment, cohort: Cohort) -> dt.date:
    return enrolment.deadline or cohort.ends_on


def candidates(rule: NudgeRule, now: dt.datetime) -> QuerySet[Enrolment]:
    """Active, unfinished enrolments matching ``rule`` at ``now`` and not
    reminded within the throttle window (one query)."""
    cohort = rule.cohort
    today = timezone.localdate(now)
    days = dt.timedelta(days=rule.days)
    queryset = Enrolment.objects.filter(
        cohort_id=cohort.pk,
        status=Enrolment.Status.ACTIVE,
        user__is_active=True,
        progress_percent__lt=100,
    )
    # Running for this learner: the cohort or their personal deadline is not over.
    if cohort.ends_on >= today:
        queryset = queryset.filter(Q(deadline__isnull=True) | Q(deadline__gte=today))
    else:
        queryset = queryset.filter(deadline__gte=today)
    if rule.kind == Kind.INACTIVE:
        limit = now - days
        queryset = queryset.filter(
            Q(last_activity_at__lt=limit)
            | Q(last_activity_at__isnull=True, enrolled_at__lt=limit)
        )
    elif rule.kind == Kind.NOT_STARTED:
        if today < cohort.starts_on + days:
            return queryset.none()
        queryset = queryset.filter(started_at__isnull=True, enrolled_at__lte=now - days)
    elif rule.kind == Kind.DEADLINE:
        last = today + days
        window = Q(deadline__gte=today, deadline__lte=last)
        if today <= cohort.ends_on <= last:
            window |= Q(deadline__isnull=True)
        queryset = queryset.filter(window)
    else:
        return queryset.none()
    recent = NudgeLog.objects.filter(
        enrolment__user_id=OuterRef("user_id"),
        sent_at__gt=now - dt.timedelta(hours=NUDGE_THROTTLE_HOURS),
    )
    return queryset.exclude(Exists(recent)).select_related("user").order_by("pk")


def period_of(rule: NudgeRule, enrolment: Enrolment, today: dt.date) -> str:
    """The period a reminder belongs to; a rule reminds once per period."""
    if rule.kind == Kind.DEADLINE:
        return f"d{learner_deadline(enrolment, rule.cohort).isoformat()}"
    if rule.kind == Kind.NOT_STARTED:
        return f"e{timezone.localdate(enrolment.enrolled_at).isoformat()}"
    reference = _reference_day(enrolment)
    window = max(1, (today - reference).days // rule.days)
    return f"i{reference.isoformat()}w{window}"


def dedup_key(rule: NudgeRule, enrolment: Enrolment, today: dt.date) -> str:
    return f"{rule.pk}:{enrolment.pk}:{period_of(rule, enrolment, today)}"


# --- content --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NudgeContent:
    subject: str
    text: str
    language: str


def nudge_content(
    rule: NudgeRule, enrolment: Enrolment, today: dt.date
) -> NudgeContent:
    """Subject and text of a reminder, in the learner's preferred language."""
    cohort = rule.cohort
    language = enrolment.user.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        values = {
            "title": cohort.title,
            "days": max(rule.days, (today - _reference_day(enrolment)).days),
            "deadline": formats.date_format(learner_deadline(enrolment, cohort)),
            "start": formats.date_format(cohort.starts_on),
            "progress": enrolment.progress_percent,
        }
        if rule.kind == Kind.DEADLINE:
            subject = _("Échéance proche : « %(title)s »") % values
            default = _(
                "L'échéance de la formation « %(title)s » approche : le %(deadline)s. "
                "Vous en êtes à %(progress)d %%. Prenez un moment pour avancer d'ici là."
            )
        elif rule.kind == Kind.NOT_STARTED:
            subject = _("Votre formation « %(title)s » a commencé") % values
            default = _(
                "La formation « %(title)s » a commencé le %(start)s et vous ne l'avez "
                "pas encore entamée. Faites le premier pas : votre tuteur·rice vous "
                "accompagne."
            )
        else:
            subject = _("On vous attend dans « %(title)s »") % values
            default = _(
                "Nous ne vous avons plus vu·e dans la formation « %(title)s » depuis "
                "%(days)d jours. Reprenez là où vous vous étiez arrêté·e : votre "
                "tuteur·rice reste disponible si vous avez une question."
            )
        text = rule.message or default % values
    return NudgeContent(subject=subject, text=text, language=language)


def build_nudge_email(
    rule: NudgeRule, enrolment: Enrolment, content: NudgeContent
) -> EmailMultiAlternatives:
    """The reminder e-mail (text and HTML) to the learner, not yet sent."""
    user = enrolment.user
    context = {
        "user": user,
        "cohort": rule.cohort,
        "text": content.text,
        "subject": content.subject,
        "cohort_url": settings.SITE_URL.rstrip("/") + cohort_home_url(rule.cohort),
        "language": content.language,
    }
    message = templated_email(
        "tutoring/emails/nudge",
        context,
        to=user.email,
        language=content.language,
        subject=content.subject,
    )
    return message


def _deliver(message: EmailMultiAlternatives, log_id: int) -> None:
    try:
        message.send()
    except Exception:  # noqa: BLE001 - logged as sent; never resent twice
        logger.exception("nudge e-mail failed log=%s", log_id)


# --- engine ---------------------------------------------------------------------------


def _send_one(
    rule: NudgeRule, enrolment: Enrolment, key: str, now: dt.datetime
) -> bool:
    """Log then send one reminder, unless the learner was reminded meanwhile."""
    today = timezone.localdate(now)
    since = now - dt.timedelta(hours=NUDGE_THROTTLE_HOURS)
    with transaction.atomic():
        # One learner at a time, whichever worker: the throttle holds across rules.
        User.objects.select_for_update().filter(pk=enrolment.user_id).values_list(
            "pk", flat=True
        ).first()
        if NudgeLog.objects.filter(
            enrolment__user_id=enrolment.user_id, sent_at__gt=since
        ).exists():
            return False
        try:
            with transaction.atomic():
                log = NudgeLog.objects.create(
                    rule=rule,
                    enrolment=enrolment,
                    kind=rule.kind,
                    channel=rule.channel,
                    dedup_key=key,
                )
        except IntegrityError:
            return False
        content = nudge_content(rule, enrolment, today)
        if rule.channel in (Channel.IN_APP, Channel.BOTH):
            rows = notify(
                [enrolment.user_id],
                Notification.Kind.REMINDER,
                content.subject,
                body=content.text,
                url=cohort_home_url(rule.cohort),
                cohort=rule.cohort,
            )
            if rule.channel == Channel.BOTH:
                # The reminder e-mail below is the e-mail: keep the notification
                # out of immediate e-mails and digests.
                Notification.objects.filter(pk__in=[r.pk for r in rows]).update(
                    emailed_at=now
                )
        if rule.channel in (Channel.EMAIL, Channel.BOTH) and enrolment.user.email:
            message = build_nudge_email(rule, enrolment, content)
            log_id = log.pk
            transaction.on_commit(lambda: _deliver(message, log_id))
    return True


def run_rule(rule: NudgeRule, now: dt.datetime) -> int:
    """Send the reminders of one rule at ``now``; returns how many were sent."""
    today = timezone.localdate(now)
    rows = list(candidates(rule, now))
    if not rows:
        return 0
    keys = {row.pk: dedup_key(rule, row, today) for row in rows}
    done = set(
        NudgeLog.objects.filter(dedup_key__in=keys.values()).values_list(
            "dedup_key", flat=True
        )
    )
    sent = 0
    for row in rows:
        row.cohort = rule.cohort
        if keys[row.pk] not in done and _send_one(rule, row, keys[row.pk], now):
            sent += 1
    return sent


def active_rules(today: dt.date) -> list[NudgeRule]:
    """Active rules of running cohorts (not archived, started, and not over
    for at least one learner), the most urgent kinds first."""
    personal = Enrolment.objects.filter(
        cohort_id=OuterRef("cohort_id"),
        status=Enrolment.Status.ACTIVE,
        deadline__gte=today,
    )
    rules = (
        NudgeRule.objects.filter(
            is_active=True, cohort__is_archived=False, cohort__starts_on__lte=today
        )
        .filter(Q(cohort__ends_on__gte=today) | Exists(personal))
        .select_related("cohort")
    )
    return sorted(rules, key=lambda r: (KIND_PRIORITY.get(r.kind, 9), r.days, r.pk))


def run_nudges(now: dt.datetime | None = None) -> int:
    """Apply every active rule of every running cohort at ``now`` (default: the
    current time); returns how many reminders were sent. Idempotent: a rerun
    sends only what became due since."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = 0
    for rule in active_rules(today):
        try:
            sent += run_rule(rule, now)
        except Exception:  # noqa: BLE001 - one broken rule must not stop the others
            logger.exception("nudge rule %s failed", rule.pk)
    logger.info("nudges sent=%s at=%s", sent, now.isoformat())
    return sent
