"""``manage.py seed_demo``: idempotent demo data, with one account per role.

Later apps add their own demo data by extending ``DEMO_STEPS`` below (or by
registering a step through ``lms.demo.register_step``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lms import demo


class Command(BaseCommand):
    help = (
        "Crée (ou met à jour) les données de démonstration et un compte par fonction."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--quiet-accounts",
            action="store_true",
            help="Ne pas afficher le tableau des comptes de démonstration.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.ALLOW_DEMO_DATA:
            raise CommandError(
                "Les données de démonstration sont désactivées ici (ALLOW_DEMO_DATA=false) : "
                "leurs mots de passe sont publics."
            )
        with transaction.atomic():
            accounts = demo.seed(password=settings.DEMO_PASSWORD)
        if options["quiet_accounts"]:
            return
        self.stdout.write(self.style.SUCCESS("Comptes de démonstration :"))
        width = max(len(account.email) for account in accounts)
        for account in accounts:
            self.stdout.write(f"  {account.email.ljust(width)}  {account.description}")
        for _pattern, line in demo.DEMO_ACCOUNT_SERIES:
            self.stdout.write(f"  {line}")
        self.stdout.write(f"  Mot de passe commun : {settings.DEMO_PASSWORD}")
        self.stdout.write(
            "  Double authentification des comptes IFPC et administrateur : "
            "ajoutez cette clé TOTP commune à votre application d'authentification, "
            f"puis saisissez le code qu'elle affiche : {demo.DEMO_TOTP_SECRET}"
        )
        self.stdout.write(f"    ({demo.demo_totp_uri()})")
