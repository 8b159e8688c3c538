"""Attestations: what was issued to whom, frozen at issue, with its signed
credential. The row is the source of truth; the PDF is rendered from it and the
credential (an Open Badges 3.0 JWT) carries the same content, signed."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AttestationQuerySet(models.QuerySet["Attestation"]):
    def valid(self) -> AttestationQuerySet:
        return self.filter(revoked_at__isnull=True)

    def of(self, user) -> AttestationQuerySet:
        return self.filter(user=user)


class Attestation(models.Model):
    """One attestation. ``uuid`` is its public id (verification URL, credential
    ``id``, staff-space ``Idempotency-Key``); the integer ``id`` doubles as its
    position in the Bitstring Status List (``certification.status_list``).

    One attestation per (learner, session, kind) and per (learner, track, kind):
    two concurrent issues meet the unique constraint and the loser returns the
    winner's row (``certification.issuance``).
    """

    class Kind(models.TextChoices):
        PARTICIPATION = "participation", _("Attestation de participation")
        COMPLETION = "completion", _("Attestation de réussite")

    class Origin(models.TextChoices):
        RULE = "rule", _("règle de réussite")
        CLOSURE = "closure", _("clôture de session")
        MANUAL = "manual", _("émission manuelle")

    uuid = models.UUIDField(_("identifiant"), default=uuid.uuid4, unique=True)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    origin = models.CharField(_("origine"), max_length=16, choices=Origin.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("titulaire"),
        on_delete=models.PROTECT,
        related_name="attestations",
    )
    session = models.ForeignKey(
        "catalogue.Session",
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        related_name="attestations",
        null=True,
        blank=True,
    )
    track = models.ForeignKey(
        "catalogue.TrackPage",
        verbose_name=_("parcours"),
        on_delete=models.PROTECT,
        related_name="attestations",
        null=True,
        blank=True,
    )
    # Content frozen at issue (what the PDF shows and the credential signs).
    holder_name = models.CharField(_("nom du titulaire"), max_length=300)
    holder_matricule = models.CharField(_("matricule"), max_length=32, blank=True)
    holder_email = models.EmailField(_("e-mail"), blank=True)
    holder_given_name = models.CharField(_("prénom"), max_length=150, blank=True)
    holder_family_name = models.CharField(_("nom"), max_length=150, blank=True)
    training_code = models.CharField(_("code de la formation"), max_length=40)
    training_title = models.CharField(_("intitulé de la formation"), max_length=255)
    modality = models.CharField(_("modalité"), max_length=16)
    operator = models.CharField(_("opérateur"), max_length=200, default="IFPC")
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
    sync_hours = models.DecimalField(
        _("heures synchrones"), max_digits=6, decimal_places=2
    )
    async_hours = models.DecimalField(
        _("heures asynchrones"), max_digits=6, decimal_places=2
    )
    competences = models.JSONField(
        _("compétences DigCompEdu"), default=list, blank=True
    )
    issued_at = models.DateTimeField(_("émise le"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("émise par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    issue_reason = models.TextField(_("motif de l'émission manuelle"), blank=True)
    # The signed Open Badges 3.0 credential (compact JWS) and its key id.
    credential = models.TextField(_("attestation signée (JWT)"))
    kid = models.CharField(_("clé de signature"), max_length=200)
    pdf_path = models.CharField(_("fichier PDF"), max_length=300, blank=True)
    pdf_sha256 = models.CharField(_("empreinte du PDF"), max_length=64, blank=True)
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("révoquée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revocation_reason = models.TextField(_("motif de la révocation"), blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    objects = AttestationQuerySet.as_manager()

    class Meta:
        verbose_name = _("attestation")
        verbose_name_plural = _("attestations")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(session__isnull=False, track__isnull=True)
                    | models.Q(session__isnull=True, track__isnull=False)
                ),
                name="certification_attestation_session_xor_track",
            ),
            models.UniqueConstraint(
                fields=["user", "session", "kind"],
                condition=models.Q(session__isnull=False),
                name="certification_attestation_one_per_session_kind",
            ),
            models.UniqueConstraint(
                fields=["user", "track", "kind"],
                condition=models.Q(track__isnull=False),
                name="certification_attestation_one_per_track_kind",
            ),
        ]
        indexes = [models.Index(fields=["user", "-issued_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.training_code} — {self.holder_name}"

    @property
    def total_hours(self):
        return self.sync_hours + self.async_hours

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def has_matricule(self) -> bool:
        return bool(self.holder_matricule)

    @property
    def has_pdf(self) -> bool:
        return bool(self.pdf_path)


class AttestationEvent(models.Model):
    """The attestation's own history (issue, PDF, deliveries, revocation), shown
    on its page; sensitive actions also go to ``lms.audit``."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("émise")
        PDF_RENDERED = "pdf_rendered", _("PDF produit")
        DELIVERED = "delivered", _("reçue par l'espace personnel")
        DELIVERY_FAILED = "delivery_failed", _("livraison en échec définitif")
        DELIVERY_RETRIED = "delivery_retried", _("livraison relancée")
        REVOKED = "revoked", _("révoquée")

    attestation = models.ForeignKey(
        Attestation, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("événement"), max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    message = models.TextField(_("détail"), blank=True)
    created_at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("événement d'attestation")
        verbose_name_plural = _("événements d'attestation")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.get_kind_display()
