"""Share links: a read-only, expiring view of a teacher's portfolio for an
employer or an inspector. Only the token's SHA-256 is stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.models import TimeStampedModel


class ShareLink(TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("titulaire"),
        on_delete=models.CASCADE,
        related_name="portfolio_share_links",
    )
    label = models.CharField(
        _("destinataire"),
        max_length=120,
        help_text=_("Pour vous y retrouver, par ex. « Inspection, juin »."),
    )
    token_sha256 = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expire le"))
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    last_used_at = models.DateTimeField(
        _("dernière consultation"), null=True, blank=True
    )
    use_count = models.PositiveIntegerField(_("consultations"), default=0)

    class Meta:
        verbose_name = _("lien de partage")
        verbose_name_plural = _("liens de partage")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.label

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
