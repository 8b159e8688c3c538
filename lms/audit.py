"""The audit trail shared by every app: who changed what, and when.

Each change goes to the append-only ``AuditEvent`` table (the journal
administrators read and filter at /cms/audit/), to the Django admin history
(``LogEntry``, shown on each object's "Historique" page) and to the
application log of the calling app. Sensitive actions carry their own
``action`` (attestation issued, role granted, data exported…); other changes
are recorded as additions, changes or deletions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.db import connection, models, transaction

from .models import AuditEvent, User

__all__ = [
    "ADDITION",
    "CHANGE",
    "DELETION",
    "Action",
    "event",
    "events",
    "purge_before",
    "record",
    "redaction",
]

Action = AuditEvent.Action

#: The embedded default's (SQLite) delete guard, as migration 0006 creates it.
SQLITE_NO_DELETE_TRIGGER = (
    "CREATE TRIGGER lms_auditevent_no_delete BEFORE DELETE ON lms_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"
)

_FLAG_ACTIONS = {
    ADDITION: Action.ADDED,
    CHANGE: Action.CHANGED,
    DELETION: Action.DELETED,
}

_LABEL_MAX = AuditEvent._meta.get_field("object_label").max_length


def _message_text(message: str | list) -> str:
    if isinstance(message, str):
        return str(message)
    return "; ".join(str(part) for part in message)


def _actor_label(by: Any) -> str:
    if by is None or getattr(by, "pk", None) is None:
        return ""
    name = by.get_full_name() if hasattr(by, "get_full_name") else ""
    email = getattr(by, "email", "")
    return (f"{name} <{email}>" if name else str(email or by))[:255]


def _subject_of(obj: models.Model) -> Any:
    """The person whose data ``obj`` is, when it says so (``audit_subject_id``,
    a ``user`` field, or the user itself)."""
    if isinstance(obj, User):
        return obj.pk
    subject = getattr(obj, "audit_subject_id", None)
    if subject is not None:
        return subject
    return getattr(obj, "user_id", None)


def event(
    by: Any,
    action: str,
    message: str | list = "",
    *,
    obj: models.Model | None = None,
    subject: Any = None,
    object_type: str = "",
    object_label: str = "",
) -> AuditEvent:
    """Append one entry: ``by`` (a user or ``None`` for the system) did
    ``action`` on ``obj`` (or on what ``object_type``/``object_label`` name;
    ``object_label`` also spares ``str(obj)`` its queries), concerning
    ``subject`` (a user or user id; default: the owner of ``obj``)."""
    subject_id = getattr(subject, "pk", subject)
    if subject_id is None and obj is not None:
        subject_id = _subject_of(obj)
    return AuditEvent.objects.create(
        actor_id=getattr(by, "pk", None),
        actor_label=_actor_label(by),
        action=action,
        object_type=obj._meta.label if obj is not None else object_type,
        object_id=str(obj.pk) if obj is not None else "",
        object_label=(object_label or (str(obj) if obj is not None else ""))[
            :_LABEL_MAX
        ],
        subject_id=subject_id,
        message=_message_text(message),
    )


def events(
    by: Any, action: str, objects: Iterable[models.Model], message: str | list = ""
) -> None:
    """Append one entry per object in one statement (bulk operations)."""
    actor_label = _actor_label(by)
    text = _message_text(message)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor_id=getattr(by, "pk", None),
            actor_label=actor_label,
            action=action,
            object_type=obj._meta.label,
            object_id=str(obj.pk),
            object_label=str(obj)[:_LABEL_MAX],
            subject_id=_subject_of(obj),
            message=text,
        )
        for obj in objects
        if obj.pk is not None
    )


@contextmanager
def redaction() -> Iterator[None]:
    """Inside a transaction: let label columns of audit entries be rewritten
    (names and e-mails of an erased account), nothing else (see migration
    ``0006_audit_journal_and_erasure``)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.redaction() needs a transaction")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL tremplin.audit_redaction = 'on'")
    try:
        yield
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL tremplin.audit_redaction = 'off'")


def purge_before(moment: datetime) -> int:
    """Inside a transaction: delete the entries older than ``moment`` (the
    retention job's privileged path; the trigger refuses any other delete, see
    migration ``0007_audit_retention``). Returns how many went."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.purge_before() needs a transaction")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('tremplin.audit_purge_before', %s, true)",
                [moment.isoformat()],
            )
            cursor.execute("DELETE FROM lms_auditevent WHERE at < %s", [moment])
            deleted = cursor.rowcount
            cursor.execute("SELECT set_config('tremplin.audit_purge_before', '', true)")
        return deleted
    # SQLite (the embedded default) has no session setting: the no-delete
    # trigger is lifted and restored inside this transaction.
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS lms_auditevent_no_delete")
        cursor.execute("DELETE FROM lms_auditevent WHERE at < %s", [moment])
        deleted = cursor.rowcount
        cursor.execute(SQLITE_NO_DELETE_TRIGGER)
    return deleted


def record(
    by: Any,
    objects: Iterable[models.Model],
    flag: int,
    message: str | list,
    *,
    logger: logging.Logger,
    action: str | None = None,
) -> None:
    """Record ``flag`` (ADDITION/CHANGE/DELETION) on saved ``objects`` by ``by``,
    as ``action`` in the audit trail (default: the flag's own)."""
    objects = [obj for obj in objects if obj.pk is not None]
    if not objects:
        return
    for obj in objects:
        logger.info(
            "change by=%s model=%s id=%s flag=%s message=%s",
            getattr(by, "pk", None),
            obj._meta.label,
            obj.pk,
            flag,
            message,
        )
        event(by, action or _FLAG_ACTIONS[flag], message, obj=obj)
    if by is not None and getattr(by, "pk", None) is not None:
        LogEntry.objects.log_actions(by.pk, objects, flag, message)
