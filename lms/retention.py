"""Retention: old logs, chat messages and inactive accounts go after a
configurable time (GDPR storage limitation).

``LOG_RULES`` lists, in one place, what is purged and after how many days
(one setting each, ``0`` keeps forever). Rules name models by label so that
the core does not import the apps above it. Each purge deletes in batches
(short transactions, no long lock) and writes one audit entry saying how many
rows went. The audit journal itself is append-only: it is purged through
``audit.purge_before``, the one path its trigger lets through.

Inactive accounts: a person whose last sign-in (or account creation, if they
never signed in) is older than ``RETENTION_INACTIVE_ACCOUNT_DAYS`` minus
``RETENTION_INACTIVE_WARNING_DAYS`` is warned by e-mail; the warning is an
audit entry, so it is recorded once per period of inactivity. If they still
have not signed in ``RETENTION_INACTIVE_WARNING_DAYS`` after the warning and
the inactivity limit is reached, the account is anonymised exactly as an
approved erasure (``lms.erasure.anonymise``): attestations stay verifiable.
Superusers are never anonymised by this job.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import audit
from .emails import absolute_url, templated_email
from .models import AuditEvent, User

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000


@dataclass(frozen=True)
class LogRule:
    """Rows of ``model`` whose ``date_field`` is older than the ``setting``'s
    number of days (and that match ``condition``, if any) are deleted."""

    key: str
    label: Any  # lazy translated text
    model: str
    date_field: str
    setting: str
    condition: Callable[[], Q] | None = None


LOG_RULES: tuple[LogRule, ...] = (
    LogRule(
        "chat",
        gettext_lazy("Messages du chat des cohortes"),
        "tutoring.ChatMessage",
        "created_at",
        "RETENTION_CHAT_DAYS",
    ),
    LogRule(
        "notifications",
        gettext_lazy("Notifications lues"),
        "tutoring.Notification",
        "created_at",
        "RETENTION_TECHNICAL_LOG_DAYS",
        lambda: Q(read_at__isnull=False),
    ),
    LogRule(
        "nudges",
        gettext_lazy("Journal des relances"),
        "tutoring.NudgeLog",
        "sent_at",
        "RETENTION_TECHNICAL_LOG_DAYS",
    ),
    LogRule(
        "reminders",
        gettext_lazy("Journal des rappels d'agenda"),
        "live.ReminderLog",
        "sent_at",
        "RETENTION_TECHNICAL_LOG_DAYS",
    ),
    LogRule(
        "join_requests",
        gettext_lazy("Demandes d'accès aux classes virtuelles"),
        "live.JoinRequest",
        "requested_at",
        "RETENTION_TECHNICAL_LOG_DAYS",
    ),
    LogRule(
        "bbb_callbacks",
        gettext_lazy("Rappels traités du serveur de classes virtuelles"),
        "live.CallbackReceipt",
        "received_at",
        "RETENTION_TECHNICAL_LOG_DAYS",
        lambda: Q(processed_at__isnull=False),
    ),
    LogRule(
        "delivery_attempts",
        gettext_lazy("Tentatives d'envoi des attestations abouties"),
        "certification.DeliveryAttempt",
        "at",
        "RETENTION_TECHNICAL_LOG_DAYS",
        lambda: Q(delivery__state="delivered"),
    ),
    LogRule(
        "admin_history",
        gettext_lazy("Historique de l'administration Django"),
        "admin.LogEntry",
        "action_time",
        "RETENTION_ADMIN_HISTORY_DAYS",
    ),
    LogRule(
        "wagtail_history",
        gettext_lazy("Historique de l'administration Wagtail (objets)"),
        "wagtailcore.ModelLogEntry",
        "timestamp",
        "RETENTION_ADMIN_HISTORY_DAYS",
    ),
    LogRule(
        "wagtail_page_history",
        gettext_lazy("Historique de l'administration Wagtail (pages)"),
        "wagtailcore.PageLogEntry",
        "timestamp",
        "RETENTION_ADMIN_HISTORY_DAYS",
    ),
)


def days_setting(name: str) -> int:
    """A retention setting in days; 0 (or less) means keep forever."""
    return max(int(getattr(settings, name)), 0)


def cutoff(days: int, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=days)


def _batches(queryset: models.QuerySet, size: int = BATCH_SIZE) -> Iterator[list]:
    """Primary keys of ``queryset`` in batches, until none is left."""
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids


def purge_rule(rule: LogRule, *, now: datetime | None = None) -> int:
    """Delete what ``rule`` says is past its retention; return how many rows went
    and journal the count (nothing when nothing went or the rule is off)."""
    days = days_setting(rule.setting)
    if not days:
        return 0
    model = apps.get_model(rule.model)
    old = model.objects.filter(**{f"{rule.date_field}__lt": cutoff(days, now)})
    if rule.condition is not None:
        old = old.filter(rule.condition())
    deleted = 0
    for ids in _batches(old):
        with transaction.atomic():
            _total, per_model = model.objects.filter(pk__in=ids).delete()
        deleted += per_model.get(model._meta.label, 0)
    if deleted:
        _journal(rule.label, deleted, days)
    return deleted


def purge_audit_journal(*, now: datetime | None = None) -> int:
    """Delete audit entries past ``RETENTION_AUDIT_JOURNAL_DAYS`` (privileged path)."""
    days = days_setting("RETENTION_AUDIT_JOURNAL_DAYS")
    if not days:
        return 0
    with transaction.atomic():
        deleted = audit.purge_before(cutoff(days, now))
        if deleted:
            _journal(_("Journal d'audit"), deleted, days)
    return deleted


def _journal(label: Any, count: int, days: int) -> None:
    audit.event(
        None,
        audit.Action.RETENTION_APPLIED,
        _("%(what)s : %(count)s élément(s) de plus de %(days)s jours supprimé(s).")
        % {"what": label, "count": count, "days": days},
        object_type="retention",
        object_label=str(label),
    )
    logger.info("retention purged %s rows of %s (over %s days)", count, label, days)


def purge_logs(*, now: datetime | None = None) -> dict[str, int]:
    """Apply every log rule and the audit journal's; counts per rule key."""
    counts = {rule.key: purge_rule(rule, now=now) for rule in LOG_RULES}
    counts["audit_journal"] = purge_audit_journal(now=now)
    return counts


def periods() -> list[tuple[Any, int]]:
    """What is kept how many days (0: no limit), for the privacy notice."""
    return [
        (
            gettext_lazy("Messages du chat des cohortes"),
            days_setting("RETENTION_CHAT_DAYS"),
        ),
        (
            gettext_lazy(
                "Notifications lues et journaux techniques (relances, rappels, accès aux classes virtuelles, envois)"
            ),
            days_setting("RETENTION_TECHNICAL_LOG_DAYS"),
        ),
        (
            gettext_lazy("Historique des modifications dans l'administration"),
            days_setting("RETENTION_ADMIN_HISTORY_DAYS"),
        ),
        (
            gettext_lazy("Journal d'audit des actions sensibles"),
            days_setting("RETENTION_AUDIT_JOURNAL_DAYS"),
        ),
        (
            gettext_lazy(
                "Compte sans connexion (anonymisé après un avertissement par e-mail)"
            ),
            days_setting("RETENTION_INACTIVE_ACCOUNT_DAYS"),
        ),
    ]


# --- Inactive accounts ----------------------------------------------------------


def _last_activity() -> Coalesce:
    return Coalesce("last_login", "date_joined")


def _warned_since_activity() -> Exists:
    return Exists(
        AuditEvent.objects.filter(
            subject_id=OuterRef("pk"),
            action=audit.Action.INACTIVITY_WARNED,
            at__gte=OuterRef("last_activity"),
        )
    )


def inactive_accounts() -> models.QuerySet[User]:
    """Active, non-superuser accounts annotated with ``last_activity`` and
    ``warned`` (a warning was journalled since that activity)."""
    return (
        User.objects.filter(is_active=True, is_superuser=False)
        .annotate(last_activity=_last_activity())
        .annotate(warned=_warned_since_activity())
    )


def accounts_to_warn(now: datetime | None = None) -> models.QuerySet[User]:
    days = days_setting("RETENTION_INACTIVE_ACCOUNT_DAYS")
    if not days:
        return User.objects.none()
    warning = min(days_setting("RETENTION_INACTIVE_WARNING_DAYS"), days)
    return inactive_accounts().filter(
        last_activity__lt=cutoff(days - warning, now), warned=False
    )


def accounts_to_anonymise(now: datetime | None = None) -> models.QuerySet[User]:
    """Inactive past the limit, and warned at least the warning period ago."""
    days = days_setting("RETENTION_INACTIVE_ACCOUNT_DAYS")
    if not days:
        return User.objects.none()
    warning = min(days_setting("RETENTION_INACTIVE_WARNING_DAYS"), days)
    warned_long_enough = Exists(
        AuditEvent.objects.filter(
            subject_id=OuterRef("pk"),
            action=audit.Action.INACTIVITY_WARNED,
            at__gte=OuterRef("last_activity"),
            at__lte=cutoff(warning, now),
        )
    )
    return (
        inactive_accounts()
        .filter(last_activity__lt=cutoff(days, now))
        .filter(warned_long_enough)
    )


def warn_inactive_account(user_id: int, *, now: datetime | None = None) -> bool:
    """E-mail the person that their account will be anonymised, once per period
    of inactivity; return whether a warning went out. Idempotent: the row lock
    and the journal entry make a repeated or concurrent run send nothing."""
    with transaction.atomic():
        user = (
            accounts_to_warn(now).select_for_update(of=("self",)).filter(pk=user_id)
        ).first()
        if user is None:
            return False
        days = days_setting("RETENTION_INACTIVE_ACCOUNT_DAYS")
        deadline = user.last_activity + timedelta(days=days)
        deadline = max(
            deadline,
            (now or timezone.now())
            + timedelta(days=days_setting("RETENTION_INACTIVE_WARNING_DAYS")),
        )
        audit.event(
            None,
            audit.Action.INACTIVITY_WARNED,
            _(
                "Compte inactif depuis le %(date)s ; anonymisation prévue après le %(deadline)s."
            )
            % {
                "date": timezone.localtime(user.last_activity).date().isoformat(),
                "deadline": timezone.localtime(deadline).date().isoformat(),
            },
            obj=user,
            object_label=str(user),
        )
        message = templated_email(
            "lms/emails/inactive_account",
            {
                "user": user,
                "deadline": deadline,
                "login_url": absolute_url(reverse("login")),
                "privacy_url": absolute_url(reverse("lms:privacy_notice")),
            },
            to=user.email,
            language=user.preferred_language or settings.LANGUAGE_CODE,
        )
        # Sent before the commit: if the mail server fails, the warning is not
        # journalled and the task retries; a lost commit at worst sends twice.
        message.send(fail_silently=False)
    return True


def anonymise_inactive_account(user_id: int, *, now: datetime | None = None) -> bool:
    """Anonymise the account if it is still due (see the module docstring)."""
    from .erasure import anonymise

    with transaction.atomic():
        user = (
            accounts_to_anonymise(now)
            .select_for_update(of=("self",))
            .filter(pk=user_id)
            .first()
        )
        if user is None:
            return False
        anonymise(user, by=None)
    return True
