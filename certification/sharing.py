"""Share links: a read-only, expiring view of a teacher's portfolio for an
employer or an inspector.

The token (``secrets.token_urlsafe(32)``) is shown once to its owner; only its
SHA-256 is stored, so a database leak gives no working link. A link is
*active* until it expires or its owner revokes it; then it answers 410.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lms import audit

from .models import ShareLink

logger = logging.getLogger(__name__)

#: Durations offered to the teacher, in days.
DURATION_CHOICES = (
    (7, gettext_lazy("7 jours")),
    (30, gettext_lazy("30 jours")),
    (90, gettext_lazy("90 jours")),
    (365, gettext_lazy("1 an")),
)
MAX_DAYS = 365
#: Active links one person may hold at once (each is a door to their data).
MAX_ACTIVE_LINKS = 20
#: A token is 43 characters; anything much longer is not one (and is not hashed).
MAX_TOKEN_LENGTH = 100


class ShareLinkError(Exception):
    """A share link cannot be created (the message is French, for the page)."""


class ShareLinkGone(Exception):
    """The link existed but expired or was revoked (HTTP 410)."""

    def __init__(self, link: ShareLink) -> None:
        super().__init__(str(link.pk))
        self.link = link


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def status(link: ShareLink, now: dt.datetime | None = None) -> str:
    """``"active"``, ``"expired"`` or ``"revoked"``."""
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at <= (now or timezone.now()):
        return "expired"
    return "active"


STATUS_LABELS = {
    "active": gettext_lazy("actif"),
    "expired": gettext_lazy("expiré"),
    "revoked": gettext_lazy("révoqué"),
}


def active_links(user: Any):
    return ShareLink.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def create_share_link(user: Any, *, label: str, days: int) -> tuple[ShareLink, str]:
    """Create a link to ``user``'s portfolio valid ``days`` days (1 to 365).

    Returns the link and its token — the only time the token exists in clear.
    Audited. Raises ``ShareLinkError`` past ``MAX_ACTIVE_LINKS`` active links,
    ``ValueError`` for a duration outside 1–365 days or an empty label.
    """
    label = label.strip()
    if not label:
        raise ValueError("a share link needs a label")
    if not 1 <= days <= MAX_DAYS:
        raise ValueError("duration must be 1 to 365 days")
    if active_links(user).count() >= MAX_ACTIVE_LINKS:
        raise ShareLinkError(
            _(
                "Vous avez déjà %(count)s liens actifs : révoquez-en un avant "
                "d'en créer un autre."
            )
            % {"count": MAX_ACTIVE_LINKS}
        )
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        link = ShareLink.objects.create(
            user=user,
            label=label[:120],
            token_sha256=hash_token(token),
            expires_at=timezone.now() + dt.timedelta(days=days),
        )
        audit.record(
            user,
            [link],
            ADDITION,
            f"Lien de partage du portfolio créé ({days} jours) : {link.label}",
            logger=logger,
        )
    return link, token


def revoke_share_link(link: ShareLink, *, by: Any) -> bool:
    """Revoke ``link`` now (audited). False when it was already revoked."""
    with transaction.atomic():
        updated = ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if not updated:
            return False
        link.refresh_from_db(fields=["revoked_at"])
        audit.record(
            by,
            [link],
            CHANGE,
            f"Lien de partage du portfolio révoqué : {link.label}",
            logger=logger,
        )
    return True


def resolve(token: str) -> ShareLink:
    """The active link of ``token`` with its user.

    Raises ``ShareLink.DoesNotExist`` for an unknown token and ``ShareLinkGone``
    for an expired or revoked one.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise ShareLink.DoesNotExist
    link = ShareLink.objects.select_related("user").get(token_sha256=hash_token(token))
    if status(link) != "active":
        raise ShareLinkGone(link)
    return link


def record_use(link: ShareLink) -> None:
    """Count one consultation of the shared page (atomic increment)."""
    now = timezone.now()
    ShareLink.objects.filter(pk=link.pk).update(
        use_count=F("use_count") + 1, last_used_at=now
    )
