"""``manage.py import_catalogue FILE [--dry-run] [--user EMAIL]``: import trainings and sessions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from catalogue.importing import import_catalogue, too_big_message
from lms.models import User


class Command(BaseCommand):
    help = _(
        "Importe des formations et des sessions depuis un fichier CSV ou XLSX. "
        "Rien n'est enregistré si une ligne est en erreur."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help=_("fichier .csv ou .xlsx"))
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("vérifier le fichier sans rien enregistrer"),
        )
        parser.add_argument(
            "--user", default=None, help=_("e-mail de l'auteur·rice des révisions")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        user = None
        if options["user"]:
            user = User.objects.filter(email__iexact=options["user"]).first()
            if user is None:
                raise CommandError(_("Aucun compte avec cette adresse e-mail."))
        max_bytes = settings.CATALOGUE_IMPORT_MAX_BYTES
        try:
            with path.open("rb") as handle:
                data = handle.read(max_bytes + 1)
        except OSError as error:
            raise CommandError(
                _("Impossible de lire %(path)s : %(error)s")
                % {"path": path, "error": error.strerror}
            ) from error
        if len(data) > max_bytes:
            raise CommandError(too_big_message(max_bytes), returncode=1)
        report = import_catalogue(
            data, filename=path.name, user=user, dry_run=options["dry_run"]
        )
        if not report.ok:
            lines = [_("Import refusé, rien n'a été enregistré :")]
            for problem in report.problems:
                where = ", ".join(
                    part
                    for part in (
                        problem.sheet,
                        _("ligne %(line)s") % {"line": problem.line}
                        if problem.line
                        else "",
                        _("colonne « %(column)s »") % {"column": problem.column}
                        if problem.column
                        else "",
                    )
                    if part
                )
                lines.append(
                    f"  - {where} : {problem.message}"
                    if where
                    else f"  - {problem.message}"
                )
            raise CommandError("\n".join(lines), returncode=1)
        prefix = (
            _("Vérification réussie (rien n'a été enregistré)")
            if report.dry_run
            else _("Import réussi")
        )
        self.stdout.write(
            _(
                "%(prefix)s : formations %(tc)s créées, %(tu)s mises à jour, "
                "%(tn)s inchangées ; sessions %(sc)s créées, %(su)s mises à jour, "
                "%(sn)s inchangées."
            )
            % {
                "prefix": prefix,
                "tc": report.trainings_created,
                "tu": report.trainings_updated,
                "tn": report.trainings_unchanged,
                "sc": report.sessions_created,
                "su": report.sessions_updated,
                "sn": report.sessions_unchanged,
            }
        )
