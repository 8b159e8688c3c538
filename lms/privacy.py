"""Everything Tremplin holds about one person, as a machine-readable archive (GDPR).

``export_user_data(user)`` builds a ZIP: ``donnees.json`` (every row that
refers to the person, model by model, all fields but secrets) and ``fichiers/``
(the files attached to those rows). Rows are found two ways:

* **directly**: every foreign key or many-to-many field to the user model, in
  every model of the platform's apps and of ``EXTRA_APPS`` — a new model with
  such a field is exported without anything to declare;
* **through another row**: ``INDIRECT`` maps models that only point to a
  person's rows (an attempt's commits, a test's responses) to the lookup from
  them to the user. ``NOT_PERSONAL`` lists models reached that way that hold
  no personal data, with the reason. ``tests/lms/test_privacy_export.py``
  fails when a model is in neither.

Page models (the person authored or locked them) are exported as references
(id, title), not their whole content.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

logger = logging.getLogger(__name__)

#: The platform's own apps.
PLATFORM_APPS = (
    "lms",
    "catalogue",
    "courses",
    "tutoring",
    "live",
    "certification",
    "indicators",
)
#: Framework apps whose rows also name people (admin history, page history,
#: admin preferences).
EXTRA_APPS = ("admin", "wagtailcore", "wagtailusers")

#: Model → lookup from it to the user, for rows about a person through another row.
INDIRECT: dict[str, str] = {
    "courses.ScoState": "attempt__user",
    "courses.Commit": "sco_state__attempt__user",
    "certification.ItemResponse": "attempt__user",
    "certification.CompetenceEstimate": "attempt__user",
    "certification.Delivery": "attestation__user",
    "certification.DeliveryAttempt": "delivery__attestation__user",
    "tutoring.NudgeLog": "enrolment__user",
}

#: Models that point to a person's rows but hold nothing about the person.
NOT_PERSONAL: dict[str, str] = {
    "courses.Module": "structure d'un cours",
    "courses.Activity": "contenu d'un cours",
    "catalogue.TrainingCompetenceTarget": "contenu du catalogue",
    "catalogue.TrainingResourceLink": "contenu du catalogue",
    "catalogue.TrackStep": "contenu du catalogue",
    "catalogue.TrainingSearchEntry": "index de recherche du catalogue",
    "catalogue.SessionDay": "calendrier d'une session",
    "tutoring.Cohort": "groupe de formation (les inscriptions sont exportées)",
    "live.Recording": "enregistrement d'une classe (hors données de la personne)",
    "certification.RuleRequirement": "règle d'attestation",
    "certification.Item": "question de la banque d'items (contenu)",
}

#: Field names whose values are secrets, never written to an export.
SECRET_WORDS = ("password", "secret", "token")
MASKED = "[masqué]"


def _is_secret(field: models.Field) -> bool:
    return any(word in field.name for word in SECRET_WORDS)


def _exported_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in PLATFORM_APPS + EXTRA_APPS
    ]


def user_fields(model: type[models.Model]) -> list[models.Field]:
    """The model's own fields pointing to the user model (FK, one-to-one, M2M)."""
    user_model = get_user_model()
    return [
        field
        for field in model._meta.get_fields()
        if getattr(field, "related_model", None) is user_model
        and not field.auto_created
        and (field.concrete or field.many_to_many)
    ]


def _is_page(model: type[models.Model]) -> bool:
    from wagtail.models import Page

    return issubclass(model, Page)


def _row(obj: models.Model, files: list[tuple[str, Any]]) -> dict[str, Any]:
    if _is_page(type(obj)):
        return {"id": obj.pk, "title": str(obj)}
    row: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if _is_secret(field):
            row[field.attname] = MASKED
            continue
        value = getattr(obj, field.attname)
        if isinstance(field, models.FileField):
            if value:
                path = f"fichiers/{obj._meta.label}/{obj.pk}/{value.name.rsplit('/', 1)[-1]}"
                files.append((path, value))
                row[field.attname] = path
            else:
                row[field.attname] = ""
            continue
        row[field.attname] = value
    return row


def _rows_for(
    model: type[models.Model], user: Any, files: list[tuple[str, Any]]
) -> list[dict[str, Any]]:
    label = model._meta.label
    condition = Q()
    roles: list[str] = []
    for field in user_fields(model):
        condition |= Q(**{field.name: user})
        roles.append(field.name)
    if label in INDIRECT:
        condition |= Q(**{INDIRECT[label]: user})
    if not condition:
        return []
    # Which of the person's links each row has, one query per field.
    linked = {
        name: set(
            model._default_manager.filter(**{name: user}).values_list("pk", flat=True)
        )
        for name in roles
    }
    rows = []
    for obj in model._default_manager.filter(condition).distinct().order_by("pk"):
        row = _row(obj, files)
        row["_liens"] = [name for name in roles if obj.pk in linked[name]] or (
            [INDIRECT[label]] if label in INDIRECT else []
        )
        rows.append(row)
    return rows


def collect_user_data(user: Any) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """The export document of ``user`` and the files it refers to."""
    files: list[tuple[str, Any]] = []
    records: dict[str, list[dict[str, Any]]] = {}
    for model in _exported_models():
        if model is get_user_model():
            continue
        rows = _rows_for(model, user, files)
        if rows:
            records[model._meta.label] = rows
    profile = _row(user, files)
    document = {
        "format": "tremplin-export/1",
        "exporte_le": timezone.now(),
        "personne": profile,
        "donnees": records,
    }
    return document, files


def export_user_data(user: Any) -> bytes:
    """The ZIP archive of everything about ``user`` (see the module docstring)."""
    document, files = collect_user_data(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "donnees.json",
            json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1),
        )
        missing = []
        for path, field_file in files:
            try:
                with field_file.open("rb") as handle:
                    archive.writestr(path, handle.read())
            except (OSError, ValueError):
                missing.append(path)
        if missing:
            archive.writestr("fichiers-manquants.txt", "\n".join(missing))
    return buffer.getvalue()


def export_filename(user: Any) -> str:
    stamp = timezone.localdate().strftime("%Y%m%d")
    return f"tremplin-mes-donnees-{user.pk}-{stamp}.zip"


def unclassified_models() -> list[tuple[str, list[str]]]:
    """Platform models that point (in one or more hops) to rows about a person
    but are neither exported nor declared ``NOT_PERSONAL``: each must be added
    to ``INDIRECT`` or ``NOT_PERSONAL``."""
    models_ = [m for m in _exported_models() if m._meta.app_label in PLATFORM_APPS]
    covered = {m for m in _exported_models() if user_fields(m)}
    covered |= {m for m in models_ if m._meta.label in INDIRECT}
    found = []
    for model in models_:
        if model in covered or model._meta.label in NOT_PERSONAL:
            continue
        targets = [
            f.name
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model in covered
        ]
        if targets:
            found.append((model._meta.label, targets))
    return found
