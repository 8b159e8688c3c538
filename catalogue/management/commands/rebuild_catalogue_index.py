"""``manage.py rebuild_catalogue_index``: rebuild the catalogue search index."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from catalogue.search import rebuild_index


class Command(BaseCommand):
    help = (
        "Reconstruit l'index de recherche du catalogue à partir des formations "
        "publiées (à lancer chaque nuit : mois et ouvertures suivent la date)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = rebuild_index()
        self.stdout.write(self.style.SUCCESS(f"{count} formation(s) indexée(s)."))
