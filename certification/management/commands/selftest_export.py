"""``manage.py selftest_export [--format json|csv] [--competence 2.1] > file``.

The export contains the scoring keys: keep it among IFPC staff.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from certification.models import Item
from certification.selftest import itembank


class Command(BaseCommand):
    help = (
        "Exporte les items de l'autotest sur la sortie standard (avec les clés de "
        "correction : confidentiel)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=("json", "csv"), default="json")
        parser.add_argument(
            "--competence",
            action="append",
            default=[],
            help="Code DigCompEdu (ex. 2.1) ; répétable.",
        )
        parser.add_argument(
            "--status", action="append", default=[], choices=Item.Status.values
        )

    def handle(self, *args: Any, **options: Any) -> None:
        queryset = Item.objects.all()
        if options["competence"]:
            from lms.models import Competence

            known = set(Competence.objects.values_list("code", flat=True))
            unknown = sorted(set(options["competence"]) - known)
            if unknown:
                raise CommandError(f"Compétence(s) inconnue(s) : {', '.join(unknown)}")
            queryset = queryset.filter(competence__code__in=options["competence"])
        if options["status"]:
            queryset = queryset.filter(status__in=options["status"])
        document = itembank.export_items(queryset)
        if options["format"] == "csv":
            self.stdout.write(itembank.items_to_csv(document), ending="")
        else:
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
        self.stderr.write(itembank.KEYS_NOTICE)
