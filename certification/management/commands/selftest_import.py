"""``manage.py selftest_import PATH [--dry-run]``: import self-test items (JSON or CSV)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from certification.selftest import itembank


class Command(BaseCommand):
    help = (
        "Importe des items de l'autotest (.json « tremplin-selftest-items » ou .csv), "
        "tout ou rien."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="Fichier .json ou .csv")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Vérifier et compter sans rien enregistrer.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Lecture impossible de {path} : {error}") from error
        try:
            document = itembank.parse_upload(content, path.name)
        except ValueError as error:
            raise CommandError(str(error)) from error
        report = itembank.import_items(document, dry_run=options["dry_run"])
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{len(report.errors)} erreur(s) : rien n'a été enregistré."
            )
        prefix = "Vérification : " if options["dry_run"] else ""
        self.stdout.write(
            f"{prefix}{report.created} créé(s), {report.updated} mis à jour, "
            f"{report.unchanged} inchangé(s)."
        )
