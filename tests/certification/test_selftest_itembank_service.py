"""The item bank service: validation, import all or nothing, export, round trips."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.core.cache import cache
from django.core.management import CommandError, call_command

from certification.models import Item, ItemFamily
from certification.selftest import itembank
from certification.selftest.bank import VERSION_KEY
from tests.factories import UserFactory
from tests.factories.selftest import make_item

pytestmark = pytest.mark.django_db


def _item(uid: str = "imp-1", **fields) -> dict:
    row = {
        "uid": uid,
        "competence": "2.1",
        "target_level": "B1",
        "item_type": "single_choice",
        "stem": "<p>Quel format est ouvert ?</p>",
        "options": [
            {"text": "ODT", "is_correct": True},
            {"text": "DOC", "is_correct": False},
        ],
        "numeric_answer": None,
        "numeric_tolerance": "0",
        "numeric_unit": "",
        "shuffle_options": True,
        "family": None,
        "status": "pretest",
        "a": 1.1,
        "b": -0.3,
        "c": 0.0,
        "parameter_source": "import",
        "is_demo": False,
        "screen_reader_ok": True,
        "keyboard_only_ok": True,
        "colour_blind_ok": True,
        "est_seconds": 45,
    }
    row.update(fields)
    return row


def _doc(*items: dict) -> dict:
    return {"format": itembank.FORMAT, "version": 1, "items": list(items)}


def _four_types() -> dict:
    return _doc(
        _item("rt-single", family="formats"),
        _item(
            "rt-multiple",
            item_type="multiple_choice",
            options=[
                {"text": "=SOMME(A1:A3)", "is_correct": True},
                {"text": "Option; avec point-virgule", "is_correct": True},
                {"text": "Faux", "is_correct": False},
            ],
            family="formats",
        ),
        _item(
            "rt-ordering",
            item_type="ordering",
            competence="3.1",
            target_level="C1",
            options=[
                {"text": "Planifier", "is_correct": False},
                {"text": "Réaliser", "is_correct": False},
                {"text": "Évaluer", "is_correct": False},
            ],
            shuffle_options=False,
        ),
        _item(
            "rt-numeric",
            item_type="numeric",
            options=[],
            numeric_answer="-42.5",
            numeric_tolerance="0.25",
            numeric_unit="%",
            status="calibrated",
            parameter_source="mml_batch",
            is_demo=True,
            keyboard_only_ok=False,
            est_seconds=90,
        ),
    )


def _errors(report) -> list[tuple[int, str]]:
    return [(e.row, e.field) for e in report.errors]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"options": [{"text": "A", "is_correct": True}]}, "options"),
        (
            {
                "options": [
                    {"text": "A", "is_correct": True},
                    {"text": "B", "is_correct": True},
                ]
            },
            "options",
        ),
        (
            {
                "item_type": "multiple_choice",
                "options": [
                    {"text": "A", "is_correct": False},
                    {"text": "B", "is_correct": False},
                ],
            },
            "options",
        ),
        ({"item_type": "ordering", "options": [{"text": "A"}]}, "options"),
        ({"item_type": "numeric", "options": []}, "numeric_answer"),
        ({"item_type": "numeric", "numeric_answer": "3"}, "options"),
        ({"stem": "<p>  </p>"}, "stem"),
        ({"a": 0.05}, "a"),
        ({"a": 5.5}, "a"),
        ({"b": -6.5}, "b"),
        ({"c": 0.6}, "c"),
        ({"competence": "9.9"}, "competence"),
        ({"target_level": "D1"}, "target_level"),
        ({"status": "active"}, "status"),
        ({"uid": "pas un uid"}, "uid"),
        ({"a": "grand"}, "a"),
        ({"est_seconds": 0}, "est_seconds"),
        (
            {"numeric_answer": "1.00001", "item_type": "numeric", "options": []},
            "numeric_answer",
        ),
        ({"couleur": "bleu"}, "couleur"),
    ],
)
def test_invalid_rows_are_refused_with_the_field(fields, field):
    """Each broken rule gives a French error naming the row and the field."""
    report = itembank.import_items(_doc(_item(**fields)))
    assert not report.ok
    assert (1, field) in _errors(report)
    assert all(error.message for error in report.errors)
    assert not Item.objects.exists()


def test_image_without_alt_is_refused():
    """An image without alternative text breaks the rules."""
    problems = itembank.content_errors(
        item_type="single_choice",
        stem="<p>Que montre l'image ?</p>",
        options=[("A", True), ("B", False)],
        numeric_answer=None,
        has_image=True,
        image_alt=" ",
    )
    assert [name for name, _message in problems] == ["image_alt"]


def test_valid_items_of_each_type_pass_the_rules():
    """The four item types, correctly built, have no error."""
    report = itembank.import_items(_four_types(), dry_run=True)
    assert report.ok, [str(e) for e in report.errors]
    assert report.created == 4
    assert not Item.objects.exists()


def test_one_invalid_row_writes_nothing():
    """Import is all or nothing: one bad row among good ones, nothing saved."""
    document = _four_types()
    document["items"].append(_item("bad", a=9.0))
    report = itembank.import_items(document, by=UserFactory())
    assert _errors(report) == [(5, "a")]
    assert "Ligne 5 (bad), a" in str(report.errors[0])
    assert not Item.objects.exists()
    assert not ItemFamily.objects.exists()


def test_duplicate_uids_in_one_file_are_refused():
    """The same uid twice in a file names the first line."""
    report = itembank.import_items(_doc(_item("dup"), _item("dup")))
    assert _errors(report) == [(2, "uid")]
    assert "ligne 1" in report.errors[0].message


def test_stem_is_sanitised_on_import():
    """Scripts, event handlers and javascript: links are removed from the stem."""
    stem = (
        '<p onclick="steal()">Question <script>alert(1)</script>'
        '<a href="javascript:alert(2)">lien</a> <img src=x onerror=alert(3)></p>'
    )
    report = itembank.import_items(_doc(_item(stem=stem)))
    assert report.ok
    saved = Item.objects.get(uid="imp-1").stem
    for needle in ("script", "onclick", "javascript", "onerror", "<img", "alert"):
        assert needle not in saved
    assert "Question" in saved


def test_import_creates_records_audit_and_bumps_bank(
    django_capture_on_commit_callbacks,
):
    """Created items are audited, get a revision, and the bank version moves."""
    staff = UserFactory()
    cache.set(VERSION_KEY, 7, None)
    with django_capture_on_commit_callbacks(execute=True):
        report = itembank.import_items(_four_types(), by=staff)
    assert (report.created, report.updated) == (4, 0)
    assert cache.get(VERSION_KEY) == 8
    assert LogEntry.objects.filter(user=staff).count() == 4
    item = Item.objects.get(uid="rt-numeric")
    assert item.numeric_answer == Decimal("-42.5")
    assert item.revisions.count() == 1
    assert ItemFamily.objects.get(name="formats").items.count() == 2


def test_missing_parameters_take_the_seed_of_the_level():
    """Without a and b, a new item gets a = 1 and b from its level (expert seed)."""
    row = _item(target_level="C1")
    for key in ("a", "b", "parameter_source"):
        row.pop(key)
    itembank.import_items(_doc(row))
    item = Item.objects.get(uid="imp-1")
    assert (item.a, item.b, item.parameter_source) == (1.0, 2.0, "expert_seed")


def test_reimport_changes_revision_only_when_content_changes():
    """Changing the status keeps the revision; changing the key bumps it."""
    itembank.import_items(_doc(_item()))
    report = itembank.import_items(_doc(_item(status="calibrated")))
    assert (report.updated, Item.objects.get(uid="imp-1").revision) == (1, 1)
    report = itembank.import_items(_doc(_item(status="calibrated")))
    assert report.unchanged == 1
    swapped = _item(
        status="calibrated",
        options=[
            {"text": "ODT", "is_correct": False},
            {"text": "DOC", "is_correct": True},
        ],
    )
    itembank.import_items(_doc(swapped))
    assert Item.objects.get(uid="imp-1").revision == 2


def test_reimport_keeps_option_ids_when_options_do_not_change():
    """Answers refer to option ids: an update that keeps the options keeps them."""
    itembank.import_items(_doc(_item()))
    before = list(Item.objects.get(uid="imp-1").options.values_list("pk", flat=True))
    itembank.import_items(_doc(_item(stem="<p>Autre énoncé ?</p>")))
    item = Item.objects.get(uid="imp-1")
    assert list(item.options.values_list("pk", flat=True)) == before
    assert item.revision == 2


def test_update_with_missing_keys_keeps_values():
    """A partial row updates what it names and leaves the rest."""
    make_item(uid="part-1", a=2.0, b=1.5, status=Item.Status.CALIBRATED)
    row = {"uid": "part-1", "competence": "2.1", "target_level": "B1"}
    row |= {"item_type": "single_choice", "stem": "<p>Nouvel énoncé ?</p>"}
    report = itembank.import_items(_doc(row))
    assert report.ok and report.updated == 1
    item = Item.objects.get(uid="part-1")
    assert (item.a, item.b, item.status, item.options.count()) == (
        2.0,
        1.5,
        "calibrated",
        3,
    )


def test_json_round_trip_is_exact():
    """JSON → import → export gives back the same items."""
    document = _four_types()
    assert itembank.import_items(copy.deepcopy(document)).ok
    exported = itembank.export_items(Item.objects.all())
    by_uid = {item["uid"]: item for item in exported["items"]}
    assert {item["uid"]: item for item in document["items"]} == by_uid
    assert exported["notice"] == itembank.KEYS_NOTICE


def test_csv_round_trip_is_exact():
    """Export → CSV → import → export gives back the same document."""
    itembank.import_items(_four_types())
    first = itembank.export_items(Item.objects.all())
    text = itembank.items_to_csv(first)
    assert text.startswith("# Contient les clés")
    assert "'=SOMME(A1:A3)" in text  # no formula in a spreadsheet
    Item.objects.all().delete()
    report = itembank.import_items(itembank.csv_to_items(text))
    assert report.ok and report.created == 4, [str(e) for e in report.errors]
    assert itembank.export_items(Item.objects.all()) == first


def test_csv_errors_give_file_lines():
    """CSV errors name the line of the file (notice and header count)."""
    document = _doc(_item("ok-1"), _item("ko-1"))
    text = itembank.items_to_csv(document).replace("ko-1;2.1", "ko-1;7.7")
    report = itembank.import_items(itembank.csv_to_items(text))
    assert _errors(report) == [(4, "competence")]


def test_csv_correct_column_out_of_range_is_an_error():
    """A "correct" number without its option is reported, not ignored."""
    text = itembank.items_to_csv(_doc(_item())).replace(";1;", ";5;", 1)
    report = itembank.import_items(itembank.csv_to_items(text))
    assert "correct" in [error.field for error in report.errors]


def test_commands_export_then_import(tmp_path, capsys):
    """selftest_export writes the bank; selftest_import --dry-run writes nothing."""
    itembank.import_items(_four_types())
    call_command("selftest_export", "--competence", "3.1")
    document = json.loads(capsys.readouterr().out)
    assert [item["uid"] for item in document["items"]] == ["rt-ordering"]
    call_command("selftest_export", "--format", "csv")
    path = tmp_path / "bank.csv"
    path.write_text(capsys.readouterr().out, encoding="utf-8")
    Item.objects.all().delete()
    call_command("selftest_import", str(path), "--dry-run")
    assert "4 créé(s)" in capsys.readouterr().out
    assert not Item.objects.exists()
    call_command("selftest_import", str(path))
    assert Item.objects.count() == 4


def test_import_command_fails_on_invalid_file(tmp_path):
    """An invalid file stops the command with a non-zero exit and row numbers."""
    path = tmp_path / "bank.json"
    path.write_text(json.dumps(_doc(_item(b=12))), encoding="utf-8")
    with pytest.raises(CommandError, match="rien n'a été enregistré"):
        call_command("selftest_import", str(path))
    assert not Item.objects.exists()
