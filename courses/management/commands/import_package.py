"""``manage.py import_package PATH --course CODE [--title T]``: import a SCORM/H5P zip."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from courses.packages.errors import PackageError
from courses.packages.importer import import_package
from courses.packages.manifest import describe_standard


class Command(BaseCommand):
    help = _(
        "Importe un paquet SCORM 1.2, SCORM 2004 ou H5P dans un cours et affiche "
        "l'identifiant de l'activité créée."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help=_("chemin de l'archive (.zip ou .h5p)"))
        parser.add_argument(
            "--course", required=True, help=_("code du cours qui reçoit l'activité")
        )
        parser.add_argument("--title", default=None, help=_("titre de l'activité"))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            activity = import_package(
                options["path"], options["course"], title=options["title"]
            )
        except PackageError as exc:
            lines = [_("Paquet refusé :")]
            for problem in exc.problems:
                suffix = f" [{problem.entry}]" if problem.entry else ""
                lines.append(f"  - {problem.message} ({problem.code}){suffix}")
            raise CommandError("\n".join(lines), returncode=1) from exc
        package = activity.package
        if package is None:  # pragma: no cover - import_package always sets it
            raise CommandError(_("Activité créée sans paquet."))
        self.stdout.write(
            _(
                "Activité %(id)s créée : « %(title)s » (%(standard)s), module "
                "« %(module)s »."
            )
            % {
                "id": activity.pk,
                "title": activity.title,
                "standard": describe_standard(package.standard, package.edition),
                "module": activity.module.title,
            }
        )
        self.stdout.write(f"activity_id={activity.pk}")
        self.stdout.write(f"standard={package.standard} edition={package.edition}")
