"""Erasure on request (GDPR): a person asks, an administrator decides, the
account is anonymised.

Anonymising keeps the rows the platform needs (registrations, tracking,
attendance, attestations: training history is kept for the legal retention
period) but ties them to a pseudonymous, disabled account: the name, e-mail,
staff number and establishments go, so do roles, the link to Mon Espace,
calendar feeds, share links and notifications, and the person's name and e-mail are rewritten in the
audit journal and the admin history. Attestations keep their holder fields:
a signed credential must stay verifiable.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Replace
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .models import AuditEvent, ErasureRequest, User
from .permissions import is_administrator
from .services import revoke_role

logger = logging.getLogger(__name__)

Status = ErasureRequest.Status
REASON_MAX_LENGTH = 2000


def pseudonym(user: User) -> str:
    return _("Compte supprimé n° %(id)s") % {"id": user.pk}


def request_erasure(user: User, reason: str = "") -> ErasureRequest:
    """Record ``user``'s request (one pending at a time); ``ValidationError``
    in French otherwise."""
    reason = reason.strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            _("Le motif est limité à %(max)s caractères.") % {"max": REASON_MAX_LENGTH}
        )
    try:
        with transaction.atomic():
            request = ErasureRequest.objects.create(user=user, reason=reason)
    except IntegrityError:
        raise ValidationError(
            _("Une demande d'effacement est déjà en cours d'examen.")
        ) from None
    audit.event(user, audit.Action.ERASURE_REQUESTED, reason, obj=request)
    return request


def decide_erasure(
    request: ErasureRequest, *, approve: bool, by: Any, note: str = ""
) -> ErasureRequest:
    """Refuse, or approve and anonymise; administrators only, pending requests only."""
    if not is_administrator(by):
        raise PermissionDenied
    with transaction.atomic():
        locked = ErasureRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != Status.PENDING:
            raise ValidationError(_("Cette demande a déjà été traitée."))
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.decision_note = note.strip()[:REASON_MAX_LENGTH]
        locked.status = Status.DONE if approve else Status.REFUSED
        locked.save(
            update_fields=[
                "decided_by",
                "decided_at",
                "decision_note",
                "status",
                "updated_at",
            ]
        )
        audit.event(
            by,
            audit.Action.ERASURE_DECIDED,
            " — ".join(
                p for p in (locked.get_status_display(), locked.decision_note) if p
            ),
            obj=locked,
            subject=locked.user_id,
        )
        if approve:
            anonymise(locked.user, by=by)
    return locked


def _rewrite(queryset: Any, columns: list[str], old: list[str], new: str) -> int:
    """Replace each of ``old`` by ``new`` in ``columns`` of the rows containing one."""
    condition = Q()
    for column in columns:
        for text in old:
            condition |= Q(**{f"{column}__contains": text})
    rows = queryset.filter(condition)
    count = 0
    for text in old:
        count += rows.update(
            **{
                column: Replace(F(column), Value(text), Value(new))
                for column in columns
            }
        )
    return count


def anonymise(user: User, *, by: Any) -> None:
    """Anonymise ``user`` in the current transaction (see the module docstring)."""
    from certification.models import ShareLink
    from live.models import CalendarFeed
    from tutoring.models import Notification, NotificationPreference

    old = [
        text
        for text in {user.get_full_name(), user.email, str(user), user.matricule}
        if text and len(text) >= 3
    ]
    new = pseudonym(user)
    user.first_name = "—"
    user.last_name = new
    user.email = f"compte-supprime-{user.pk}@anonyme.invalid"
    user.matricule = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    user.establishments.clear()
    user.oidc_identities.all().delete()
    for role in set(user.role_assignments.values_list("role", flat=True)):
        revoke_role(user, role, revoked_by=by)
    CalendarFeed.objects.filter(user=user).delete()
    ShareLink.objects.filter(user=user).delete()
    Notification.objects.filter(user=user).delete()
    NotificationPreference.objects.filter(user=user).delete()
    with audit.redaction():
        _rewrite(
            AuditEvent.objects.all(),
            ["actor_label", "object_label", "message"],
            old,
            new,
        )
    _rewrite(LogEntry.objects.all(), ["object_repr", "change_message"], old, new)
    audit.event(by, audit.Action.ACCOUNT_ANONYMISED, "", obj=user, object_label=new)
    logger.info("account anonymised user=%s by=%s", user.pk, getattr(by, "pk", None))
