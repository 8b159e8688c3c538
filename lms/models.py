"""Accounts: users, establishments and role assignments."""

from __future__ import annotations

from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import (
    AbstractBaseUser,
    BaseUserManager,
    PermissionsMixin,
)
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import Role


class TimeStampedModel(models.Model):
    """Abstract base giving every model ``created_at`` and ``updated_at``."""

    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        abstract = True


class Establishment(TimeStampedModel):
    """A school or centre of the Fédération Wallonie-Bruxelles, keyed by FASE number."""

    class Network(models.TextChoices):
        WBE = "wbe", _("Wallonie-Bruxelles Enseignement (WBE)")
        OFFICIEL_SUBVENTIONNE = "officiel_subventionne", _("Officiel subventionné")
        LIBRE_CONFESSIONNEL = "libre_confessionnel", _("Libre confessionnel")
        LIBRE_NON_CONFESSIONNEL = (
            "libre_non_confessionnel",
            _("Libre non confessionnel"),
        )

    class Level(models.TextChoices):
        FONDAMENTAL = "fondamental", _("Fondamental (maternel et primaire)")
        MATERNEL = "maternel", _("Maternel")
        PRIMAIRE = "primaire", _("Primaire")
        SECONDAIRE = "secondaire", _("Secondaire")
        SPECIALISE = "specialise", _("Spécialisé")
        PROMOTION_SOCIALE = "promotion_sociale", _("Promotion sociale")
        SUPERIEUR = "superieur", _("Supérieur")

    fase_number = models.PositiveIntegerField(
        _("numéro FASE"),
        unique=True,
        validators=[MinValueValidator(1), MaxValueValidator(99_999)],
        help_text=_("Numéro FASE officiel de l'établissement."),
    )
    name = models.CharField(_("nom"), max_length=255)
    network = models.CharField(_("réseau"), max_length=32, choices=Network.choices)
    level = models.CharField(_("niveau"), max_length=32, choices=Level.choices)
    postal_code = models.CharField(
        _("code postal"),
        max_length=4,
        validators=[
            RegexValidator(
                r"^[1-9][0-9]{3}$", _("Un code postal belge compte quatre chiffres.")
            )
        ],
    )
    city = models.CharField(_("localité"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("établissement")
        verbose_name_plural = _("établissements")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} (FASE {self.fase_number})"


class UserManager(BaseUserManager["User"]):
    """Manager for e-mail based accounts."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **fields) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(
        self, email: str, password: str | None = None, **fields
    ) -> User:
        """Create an administrator (used by ``createsuperuser``)."""
        from .services import grant_role

        fields.update(is_staff=True, is_superuser=True)
        user = self._create_user(email, password, **fields)
        grant_role(user, Role.ADMINISTRATOR)
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person using Tremplin, who signs in with an e-mail address."""

    email = models.EmailField(_("adresse e-mail"), unique=True)
    first_name = models.CharField(_("prénom"), max_length=150)
    last_name = models.CharField(_("nom"), max_length=150)
    matricule = models.CharField(
        _("matricule"),
        max_length=32,
        blank=True,
        help_text=_("Numéro de matricule du membre du personnel, s'il en a un."),
        validators=[
            RegexValidator(
                r"^[0-9A-Za-z-]{4,32}$",
                _(
                    "Le matricule ne contient que des chiffres, des lettres et des tirets."
                ),
            )
        ],
    )
    preferred_language = models.CharField(
        _("langue préférée"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    establishments = models.ManyToManyField(
        Establishment,
        verbose_name=_("établissements"),
        related_name="staff",
        blank=True,
    )
    is_staff = models.BooleanField(
        _("accès à l'administration Django"),
        default=False,
        help_text=_("Réservé aux administrateurs et administratrices."),
    )
    is_active = models.BooleanField(_("actif"), default=True)
    date_joined = models.DateTimeField(_("inscrit le"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        verbose_name = _("utilisateur·rice")
        verbose_name_plural = _("utilisateur·rices")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="lms_user_email_ci_unique"),
            models.UniqueConstraint(
                fields=["matricule"],
                condition=~models.Q(matricule=""),
                name="lms_user_matricule_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @cached_property
    def role_set(self) -> frozenset[str]:
        """The user's roles, loaded once per instance (see ``lms.permissions``)."""
        if not self.pk or not self.is_active:
            return frozenset()
        return frozenset(self.role_assignments.values_list("role", flat=True))


class RoleAssignment(TimeStampedModel):
    """One role held by one user, optionally scoped to an establishment."""

    user = models.ForeignKey(
        User,
        verbose_name=_("utilisateur·rice"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    role = models.CharField(_("fonction"), max_length=32, choices=Role.choices)
    establishment = models.ForeignKey(
        Establishment,
        verbose_name=_("établissement"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
        null=True,
        blank=True,
    )
    granted_by = models.ForeignKey(
        User,
        verbose_name=_("attribuée par"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("fonction attribuée")
        verbose_name_plural = _("fonctions attribuées")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "establishment"],
                name="lms_roleassignment_unique_scoped",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(establishment__isnull=True),
                name="lms_roleassignment_unique_global",
            ),
        ]
        indexes = [models.Index(fields=["role", "establishment"])]

    def __str__(self) -> str:
        scope = f" — {self.establishment}" if self.establishment_id else ""
        return f"{self.user} : {self.get_role_display()}{scope}"


class Framework(models.Model):
    """A competence framework, versioned (DigCompEdu 2017 today; another, such
    as CRCN-Édu, can be added beside it). Loaded by data migrations."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_fr = models.CharField(_("nom (français)"), max_length=200)
    name_en = models.CharField(_("nom (anglais)"), max_length=200)
    version = models.CharField(_("version"), max_length=20)
    citation = models.TextField(_("référence"))
    web_url = models.URLField(_("adresse"), blank=True)

    class Meta:
        verbose_name = _("référentiel de compétences")
        verbose_name_plural = _("référentiels de compétences")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"

    @property
    def name(self) -> str:
        return self.name_en if get_language_code() == "en" else self.name_fr


class ProficiencyLevel(models.Model):
    """A level of a framework (DigCompEdu: A1 … C2), with its descriptor."""

    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="levels"
    )
    code = models.CharField(_("code"), max_length=4)
    rank = models.PositiveSmallIntegerField(_("rang"))
    name_fr = models.CharField(_("nom (français)"), max_length=80)
    name_en = models.CharField(_("nom (anglais)"), max_length=80)
    descriptor_fr = models.TextField(_("description (français)"), blank=True)
    descriptor_en = models.TextField(_("description (anglais)"), blank=True)

    class Meta:
        verbose_name = _("niveau de maîtrise")
        verbose_name_plural = _("niveaux de maîtrise")
        ordering = ["framework", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "code"], name="lms_level_unique_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return self.name_en if get_language_code() == "en" else self.name_fr

    @property
    def descriptor(self) -> str:
        if get_language_code() == "en":
            return self.descriptor_en or self.descriptor_fr
        return self.descriptor_fr or self.descriptor_en


class CompetenceArea(models.Model):
    """One of the 6 DigCompEdu areas (reference data, see ``lms.digcompedu``)."""

    framework = models.ForeignKey(
        Framework,
        verbose_name=_("référentiel"),
        on_delete=models.PROTECT,
        related_name="areas",
        null=True,  # filled by the data migration; reference data only
    )
    code = models.CharField(_("code"), max_length=4, unique=True)
    name_fr = models.CharField(_("nom (français)"), max_length=200)
    name_en = models.CharField(_("nom (anglais)"), max_length=200)

    class Meta:
        verbose_name = _("domaine DigCompEdu")
        verbose_name_plural = _("domaines DigCompEdu")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code}. {self.name}"

    @property
    def name(self) -> str:
        """The name in the active language (French unless English is active)."""
        return self.name_en if get_language_code() == "en" else self.name_fr


class Competence(models.Model):
    """One of the 22 DigCompEdu competences (reference data)."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    area = models.ForeignKey(
        CompetenceArea,
        verbose_name=_("domaine"),
        on_delete=models.PROTECT,
        related_name="competences",
    )
    name_fr = models.CharField(_("nom (français)"), max_length=200)
    name_en = models.CharField(_("nom (anglais)"), max_length=200)
    description_en = models.TextField(_("description (anglais)"), blank=True)
    # Written by Tremplin in its own words (no official French version exists).
    description_fr = models.TextField(_("description (français)"), blank=True)

    class Meta:
        verbose_name = _("compétence DigCompEdu")
        verbose_name_plural = _("compétences DigCompEdu")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        """The name in the active language (French unless English is active)."""
        return self.name_en if get_language_code() == "en" else self.name_fr


def get_language_code() -> str:
    """Two-letter code of the active language."""
    from django.utils.translation import get_language

    return (get_language() or settings.LANGUAGE_CODE)[:2]


class AuditEvent(models.Model):
    """One entry of the audit trail: who did what to what (and whose data), when.

    Append-only: rows are never changed nor deleted (a database trigger refuses
    it, see migration ``0006_audit_journal_and_erasure``). Actor and object are kept as labels
    too, so that an entry stays readable after they are gone.
    """

    class Action(models.TextChoices):
        ADDED = "added", _("Ajout")
        CHANGED = "changed", _("Modification")
        DELETED = "deleted", _("Suppression")
        ROLE_GRANTED = "role_granted", _("Fonction attribuée")
        ROLE_REVOKED = "role_revoked", _("Fonction retirée")
        REGISTRATION_DECIDED = "registration_decided", _("Décision d'inscription")
        ENROLMENT_CHANGED = "enrolment_changed", _("Inscription à une cohorte")
        GRADE_DECIDED = "grade_decided", _("Évaluation d'un travail")
        ATTENDANCE_CORRECTED = "attendance_corrected", _("Présence corrigée")
        ATTESTATION_ISSUED = "attestation_issued", _("Attestation délivrée")
        ATTESTATION_REVOKED = "attestation_revoked", _("Attestation révoquée")
        ITEM_BANK_EDITED = "item_bank_edited", _("Banque d'items modifiée")
        DATA_EXPORTED = "data_exported", _("Export de données")
        ERASURE_REQUESTED = "erasure_requested", _("Demande d'effacement")
        ERASURE_DECIDED = "erasure_decided", _("Décision sur une demande d'effacement")
        ACCOUNT_ANONYMISED = "account_anonymised", _("Compte anonymisé")
        INACTIVITY_WARNED = "inactivity_warned", _("Avertissement d'inactivité")
        RETENTION_APPLIED = "retention_applied", _("Durée de conservation appliquée")
        ACCOUNT_LINKED = "account_linked", _("Compte lié à Mon Espace")
        SECOND_FACTOR_CHANGED = (
            "second_factor_changed",
            _("Double authentification modifiée"),
        )

    at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(_("auteur (libellé)"), max_length=255, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    object_type = models.CharField(_("type d'objet"), max_length=100, blank=True)
    object_id = models.CharField(_("identifiant de l'objet"), max_length=64, blank=True)
    object_label = models.CharField(_("objet"), max_length=255, blank=True)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne concernée"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    message = models.TextField(_("détail"), blank=True)

    class Meta:
        verbose_name = _("entrée du journal d'audit")
        verbose_name_plural = _("journal d'audit")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["action", "-at"], name="lms_audit_action_idx"),
            models.Index(fields=["actor", "-at"], name="lms_audit_actor_idx"),
            models.Index(fields=["subject", "-at"], name="lms_audit_subject_idx"),
            models.Index(
                fields=["object_type", "object_id"], name="lms_audit_object_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The audit trail is append-only.")


class ErasureRequest(TimeStampedModel):
    """A person's request to erase their account, decided by an administrator.

    Approval anonymises the account (``lms.erasure``): what the law requires to
    keep (attestations) stays, tied to a pseudonymous account.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        REFUSED = "refused", _("Refusée")
        DONE = "done", _("Effectuée")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.CASCADE,
        related_name="erasure_requests",
    )
    reason = models.TextField(_("motif"), blank=True, max_length=2000)
    status = models.CharField(
        _("statut"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décidée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    decision_note = models.TextField(_("note de décision"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("demande d'effacement")
        verbose_name_plural = _("demandes d'effacement")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="pending"),
                name="lms_erasure_one_pending_per_user",
            )
        ]

    def __str__(self) -> str:
        return _("Demande d'effacement n° %(id)s") % {"id": self.pk}


class OIDCIdentity(TimeStampedModel):
    """The link between a user and their account at an OpenID Connect provider
    (Mon Espace): the provider's ``iss`` and the stable ``sub`` it gives them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("utilisateur·rice"),
        on_delete=models.CASCADE,
        related_name="oidc_identities",
    )
    issuer = models.CharField(_("fournisseur d'identité"), max_length=255)
    subject = models.CharField(_("identifiant chez le fournisseur"), max_length=255)
    last_login_at = models.DateTimeField(_("dernière connexion"), null=True, blank=True)

    class Meta:
        verbose_name = _("identité Mon Espace")
        verbose_name_plural = _("identités Mon Espace")
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"], name="lms_oidcidentity_unique_subject"
            ),
            models.UniqueConstraint(
                fields=["user", "issuer"], name="lms_oidcidentity_one_per_issuer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issuer} · {self.subject}"
