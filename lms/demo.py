"""Demo data: establishments and one account per role (see ``seed_demo``).

Each step is idempotent (``update_or_create`` on natural keys), so running the
seed twice changes nothing. Apps add steps with ``register_step``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .models import Establishment, User
from .roles import Role
from .services import grant_role


@dataclass(frozen=True)
class DemoAccount:
    email: str
    first_name: str
    last_name: str
    roles: tuple[str, ...]
    description: str
    matricule: str = ""
    establishment_fase: int | None = None


DEMO_ESTABLISHMENTS = [
    {
        "fase_number": 90001,
        "name": "Athénée royal de Démonstration",
        "network": Establishment.Network.WBE,
        "level": Establishment.Level.SECONDAIRE,
        "postal_code": "5000",
        "city": "Namur",
    },
    {
        "fase_number": 90002,
        "name": "École communale des Tilleuls (démo)",
        "network": Establishment.Network.OFFICIEL_SUBVENTIONNE,
        "level": Establishment.Level.FONDAMENTAL,
        "postal_code": "4000",
        "city": "Liège",
    },
    {
        "fase_number": 90003,
        "name": "Institut Saint-Exemple (démo)",
        "network": Establishment.Network.LIBRE_CONFESSIONNEL,
        "level": Establishment.Level.SECONDAIRE,
        "postal_code": "1000",
        "city": "Bruxelles",
    },
]

DEMO_ACCOUNTS = [
    DemoAccount(
        "enseignante@demo.tremplin.test",
        "Camille",
        "Dubois",
        (Role.TEACHER,),
        "enseignante",
        "DEMO-0001",
        90001,
    ),
    DemoAccount(
        "tuteur@demo.tremplin.test",
        "Julien",
        "Lambert",
        (Role.TUTOR,),
        "tuteur de cohortes",
        "DEMO-0002",
    ),
    DemoAccount(
        "catalogue@demo.tremplin.test",
        "Sophie",
        "Martin",
        (Role.CATALOGUE_MANAGER,),
        "gestionnaire du catalogue (IFPC)",
    ),
    DemoAccount(
        "inscriptions@demo.tremplin.test",
        "Nadia",
        "El Amrani",
        (Role.REGISTRATIONS_MANAGER,),
        "gestionnaire des inscriptions (IFPC)",
    ),
    DemoAccount(
        "ctp@demo.tremplin.test",
        "Thomas",
        "Peeters",
        (Role.CTP,),
        "conseiller techno-pédagogique",
        "DEMO-0005",
    ),
    DemoAccount(
        "dco@demo.tremplin.test",
        "Élise",
        "Renard",
        (Role.DCO,),
        "déléguée au contrat d'objectifs",
        "DEMO-0006",
        90002,
    ),
    DemoAccount(
        "formateur@demo.tremplin.test",
        "Marc",
        "Lejeune",
        (Role.INTERNAL_TRAINER,),
        "formateur interne",
        "DEMO-0007",
    ),
    DemoAccount(
        "direction@demo.tremplin.test",
        "Anne",
        "Collignon",
        (Role.SCHOOL_DIRECTOR, Role.TEACHER),
        "directrice (et enseignante)",
        "DEMO-0008",
        90001,
    ),
    DemoAccount(
        "admin@demo.tremplin.test",
        "Alex",
        "Admin",
        (Role.ADMINISTRATOR,),
        "administrateur",
    ),
]

SeedStep = Callable[[], None]
_EXTRA_STEPS: list[SeedStep] = []

#: Series of look-alike demo accounts printed as one line each by ``seed_demo``:
#: (regular expression their e-mails match, the line to print).
DEMO_ACCOUNT_SERIES: list[tuple[str, str]] = []


def register_account_series(pattern: str, line: str) -> None:
    """Let an app print many similar demo accounts (e.g. 40 learners) as one line."""
    if (pattern, line) not in DEMO_ACCOUNT_SERIES:
        DEMO_ACCOUNT_SERIES.append((pattern, line))


def register_step(step: SeedStep) -> SeedStep:
    """Let another app add idempotent demo data after the accounts exist."""
    if step not in _EXTRA_STEPS:
        _EXTRA_STEPS.append(step)
    return step


def seed(password: str) -> list[DemoAccount]:
    """Create or refresh demo establishments and accounts; return the accounts."""
    establishments = {}
    for data in DEMO_ESTABLISHMENTS:
        values = {k: v for k, v in data.items() if k != "fase_number"}
        establishment, _created = Establishment.objects.update_or_create(
            fase_number=data["fase_number"], defaults=values
        )
        establishments[establishment.fase_number] = establishment

    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(email__iexact=account.email).first()
        if user is None:
            user = User.objects.create_user(
                account.email,
                password,
                first_name=account.first_name,
                last_name=account.last_name,
                matricule=account.matricule,
            )
        else:
            user.first_name = account.first_name
            user.last_name = account.last_name
            user.matricule = account.matricule
            user.is_active = True
            user.set_password(password)
            user.save()
        establishment = establishments.get(account.establishment_fase or 0)
        if establishment is not None:
            user.establishments.add(establishment)
        for role in account.roles:
            scope = establishment if role == Role.SCHOOL_DIRECTOR else None
            grant_role(user, role, establishment=scope)

    for step in _EXTRA_STEPS:
        step()
    seed_second_factors()
    return DEMO_ACCOUNTS


#: The demo staff's shared TOTP secret (base32): public, like ``DEMO_PASSWORD``,
#: and only ever set by ``seed_demo``, which ALLOW_DEMO_DATA keeps out of
#: production.
DEMO_TOTP_SECRET = "TREMPLINDEMOTOTPSECRETDEMO234567"  # noqa: S105 (public)
DEMO_EMAIL_DOMAIN = "@demo.tremplin.test"


def demo_totp_uri() -> str:
    """The ``otpauth://`` URI of the demo secret, for an authenticator app."""
    return (
        f"otpauth://totp/Tremplin:demo?secret={DEMO_TOTP_SECRET}"
        "&algorithm=SHA1&digits=6&period=30&issuer=Tremplin"
    )


def seed_second_factors() -> None:
    """Give every demo account that needs a second factor (IFPC staff,
    administrators) a confirmed TOTP device with the public demo secret."""
    from base64 import b32decode

    from django.conf import settings
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from .two_factor import TOTP_DEVICE_NAME, requires_second_factor

    if not settings.ALLOW_DEMO_DATA:  # never a public secret in production
        return
    key = b32decode(DEMO_TOTP_SECRET).hex()
    for user in User.objects.filter(email__iendswith=DEMO_EMAIL_DOMAIN):
        if not requires_second_factor(user):
            continue
        TOTPDevice.objects.filter(user=user).exclude(key=key).delete()
        TOTPDevice.objects.update_or_create(
            user=user,
            key=key,
            defaults={"name": TOTP_DEVICE_NAME, "confirmed": True},
        )
