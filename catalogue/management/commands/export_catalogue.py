"""``manage.py export_catalogue FILE``: export trainings and sessions (.xlsx, or .csv per kind)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from catalogue import tabular
from catalogue.exporting import export_csv, export_xlsx


class Command(BaseCommand):
    help = _(
        "Exporte les formations et les sessions au format d'import : un classeur "
        ".xlsx (deux feuilles) ou un fichier .csv par type (--kind)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help=_("fichier à écrire (.xlsx ou .csv)"))
        parser.add_argument(
            "--kind",
            choices=[tabular.TRAININGS, tabular.SESSIONS],
            default=None,
            help=_("pour un CSV : formations ou sessions"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if path.suffix.lower() == ".xlsx":
            data = export_xlsx()
        elif path.suffix.lower() == ".csv":
            if not options["kind"]:
                raise CommandError(
                    _("Pour un CSV, précisez --kind formations ou sessions.")
                )
            data = export_csv(options["kind"])
        else:
            raise CommandError(_("Le fichier doit se terminer par .xlsx ou .csv."))
        path.write_bytes(data)
        self.stdout.write(_("Export écrit dans %(path)s.") % {"path": path})
