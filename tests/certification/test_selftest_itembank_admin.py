"""The item bank in the Wagtail admin: access, list, edit rules, revisions, imports."""

from __future__ import annotations

import json

import pytest
from django.contrib.admin.models import LogEntry
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from certification.models import Attempt, Blueprint, Item, ItemResponse
from certification.selftest import itembank
from certification.selftest.bank import VERSION_KEY
from certification.wagtail_hooks import item_viewset
from lms.models import Competence
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.selftest import make_blueprint, make_item
from tests.two_factor_support import force_login_verified

pytestmark = pytest.mark.django_db

IMPORT = "selftest_itembank:import"


def _url(name: str, *args) -> str:
    return reverse(item_viewset.get_url_name(name), args=args)


def _blueprint_url(name: str, *args) -> str:
    return reverse(Blueprint.snippet_viewset.get_url_name(name), args=args)


def _form(item: Item, **changes) -> dict:
    options = changes.pop(
        "options",
        [(o.text, o.is_correct) for o in item.options.order_by("sort_order")],
    )
    data = {
        "uid": item.uid,
        "competence": item.competence_id,
        "target_level": item.target_level,
        "item_type": item.item_type,
        "status": item.status,
        "family": "",
        "stem": rich_text(changes.pop("stem", item.stem)),
        "image": "",
        "image_alt": "",
        "options": inline_formset(
            [
                {"text": text, "is_correct": correct, "ORDER": str(n)}
                | (
                    {"id": str(existing.pk)}
                    if (existing := item.options.filter(sort_order=n).first())
                    else {}
                )
                for n, (text, correct) in enumerate(options)
            ],
            initial=item.options.count(),
        ),
        "shuffle_options": "on",
        "numeric_answer": "",
        "numeric_tolerance": "0",
        "numeric_unit": "",
        "a": str(item.a),
        "b": str(item.b),
        "c": str(item.c),
        "se_a": "",
        "se_b": "",
        "parameter_source": item.parameter_source,
        "screen_reader_ok": "on",
        "keyboard_only_ok": "on",
        "colour_blind_ok": "on",
        "est_seconds": "60",
    }
    data.update(changes)
    return nested_form_data(data)


@pytest.mark.parametrize("role", [Role.TEACHER, Role.TUTOR, Role.REGISTRATIONS_MANAGER])
def test_other_roles_cannot_reach_the_item_bank(client, role):
    """Teachers, tutors and registrations managers get no list, form, import or export."""
    item = make_item()
    force_login_verified(client, UserFactory(roles=[role]))
    for url in (
        _url("list"),
        _url("edit", item.pk),
        _url("history", item.pk),
        _blueprint_url("list"),
        reverse(IMPORT),
        reverse("selftest_itembank:export", args=["json"]),
        reverse("selftest_itembank:export", args=["csv"]),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert b"Bonne r\xc3\xa9ponse" not in response.content
    response = client.post(_url("edit", item.pk), _form(item, status="retired"))
    assert response.status_code in (302, 403)
    assert Item.objects.get(pk=item.pk).status == Item.Status.CALIBRATED


def test_catalogue_manager_sees_the_list_with_badges(
    client, catalogue_manager, django_assert_max_num_queries
):
    """The list shows the columns and flags provisional parameters, in few queries."""
    for k in range(6):
        make_item(uid=f"liste-{k}", parameter_source="expert_seed")
    make_item(uid="calibre-1", parameter_source="mml_batch")
    force_login_verified(client, catalogue_manager)
    with django_assert_max_num_queries(30):
        response = client.get(_url("list"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "liste-5" in content and "calibre-1" in content
    assert content.count("paramètres provisoires") == 6
    assert "Importer des items" in content


def test_list_filters_and_search(client, catalogue_manager):
    """Filters on competence and type, and search on the uid, narrow the list."""
    make_item(uid="cherche-moi")
    make_item("3.1", uid="autre-comp")
    make_item(uid="num-1", item_type=Item.Type.NUMERIC)
    force_login_verified(client, catalogue_manager)
    competence = Competence.objects.get(code="3.1").pk
    content = client.get(_url("list"), {"competence": competence}).content.decode()
    assert "autre-comp" in content and "cherche-moi" not in content
    content = client.get(_url("list"), {"item_type": "numeric"}).content.decode()
    assert "num-1" in content and "cherche-moi" not in content
    content = client.get(_url("list"), {"q": "cherche"}).content.decode()
    assert "cherche-moi" in content and "autre-comp" not in content


def test_edit_refuses_two_correct_options_for_single_choice(client, catalogue_manager):
    """The admin form applies the bank's rules to the options."""
    item = make_item()
    force_login_verified(client, catalogue_manager)
    data = _form(item, options=[("A", True), ("B", True), ("C", False)])
    response = client.post(_url("edit", item.pk), data)
    assert response.status_code == 200
    assert "exactement une bonne réponse" in response.content.decode()
    assert Item.objects.get(pk=item.pk).revision == 1


def test_edit_refuses_a_numeric_item_without_answer(client, catalogue_manager):
    """A numeric item needs its expected value."""
    item = make_item(item_type=Item.Type.NUMERIC)
    force_login_verified(client, catalogue_manager)
    data = _form(item, numeric_answer="")
    response = client.post(_url("edit", item.pk), data)
    assert "demande la valeur attendue" in response.content.decode()


def test_status_change_keeps_the_revision_and_bumps_the_bank(
    client, catalogue_manager, django_capture_on_commit_callbacks
):
    """Changing the status is not new content, but the engine's bank changes."""
    item = make_item()
    cache.set(VERSION_KEY, 3, None)
    force_login_verified(client, catalogue_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("edit", item.pk), _form(item, status="retired"))
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.revision) == ("retired", 1)
    assert cache.get(VERSION_KEY) == 4
    entry = LogEntry.objects.get(user=catalogue_manager)
    assert entry.object_id == str(item.pk)


def test_key_change_bumps_the_revision_and_keeps_history(client, catalogue_manager):
    """Moving the key to another option makes revision 2 and a history entry."""
    item = make_item()
    force_login_verified(client, catalogue_manager)
    data = _form(
        item,
        options=[("Bonne réponse", False), ("Leurre A", True), ("Leurre B", False)],
    )
    response = client.post(_url("edit", item.pk), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    item.refresh_from_db()
    assert item.revision == 2
    assert item.revisions.count() == 1
    assert client.get(_url("history", item.pk)).status_code == 200


def test_answered_item_cannot_be_deleted(client, catalogue_manager):
    """An item with responses is retired, not deleted."""
    item = make_item()
    attempt = Attempt.objects.create(
        user=UserFactory(), blueprint=make_blueprint(), seed="s"
    )
    from django.utils import timezone

    ItemResponse.objects.create(
        attempt=attempt,
        item=item,
        item_revision=1,
        order=1,
        is_correct=True,
        served_at=timezone.now(),
    )
    force_login_verified(client, catalogue_manager)
    response = client.post(_url("delete", item.pk), follow=True)
    assert "passez-les au statut" in response.content.decode()
    assert Item.objects.filter(pk=item.pk).exists()


def test_unanswered_item_deletion_is_audited(
    client, catalogue_manager, django_capture_on_commit_callbacks
):
    """Deleting an item records who did it."""
    item = make_item(uid="a-supprimer")
    force_login_verified(client, catalogue_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("delete", item.pk))
    assert response.status_code == 302
    assert not Item.objects.filter(uid="a-supprimer").exists()
    assert LogEntry.objects.filter(
        user=catalogue_manager, object_repr__startswith="a-supprimer"
    ).exists()


@pytest.mark.parametrize(
    "cuts",
    [
        '{"2.1": [-2, -1, 0, 1]}',
        '{"2.1": [-2, -1, 1, 0, 2]}',
        '{"9.9": [-2, -1, 0, 1, 2]}',
        "[1]",
    ],
)
def test_blueprint_cut_scores_must_be_five_increasing_numbers(
    client, catalogue_manager, cuts
):
    """Cut scores are refused unless five increasing numbers per known competence."""
    force_login_verified(client, catalogue_manager)
    competence = Competence.objects.get(code="2.1").pk
    data = {
        "name": "Profil",
        "slug": "profil",
        "version": "1",
        "mode": "profile",
        "is_active": "on",
        "description": "",
        "competences": [competence],
        "min_items_per_competence": "3",
        "max_items_per_competence": "8",
        "se_target_competence": "0.55",
        "min_items_total": "8",
        "max_items_total": "",
        "se_target_global": "0.4",
        "top_k": "5",
        "exposure_ceiling": "0.3",
        "pretest_items_per_attempt": "1",
        "time_limit_seconds": "",
        "retake_min_days": "4",
        "cut_scores": cuts,
    }
    response = client.post(_blueprint_url("add"), data)
    assert response.status_code == 200
    assert not Blueprint.objects.exists()
    data["cut_scores"] = '{"2.1": [-2, -1, 0, 1, 2.5]}'
    response = client.post(_blueprint_url("add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Blueprint.objects.get().cut_scores == {"2.1": [-2, -1, 0, 1, 2.5]}


def _upload(document: dict, name: str = "items.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, json.dumps(document).encode())


def _document(*rows: dict) -> dict:
    return {"format": itembank.FORMAT, "version": 1, "items": list(rows)}


ROW = {
    "uid": "vue-1",
    "competence": "2.1",
    "target_level": "A2",
    "item_type": "single_choice",
    "stem": "<p>Question ?</p>",
    "options": [
        {"text": "Oui", "is_correct": True},
        {"text": "Non", "is_correct": False},
    ],
}


def test_import_view_checks_then_confirms(client, catalogue_manager):
    """The upload is a dry run; the confirmation imports and reports the counts."""
    force_login_verified(client, catalogue_manager)
    response = client.post(reverse(IMPORT), {"file": _upload(_document(ROW))})
    assert "Confirmer l'import" in response.content.decode()
    assert not Item.objects.exists()
    token = response.context["confirm_token"]
    response = client.post(reverse(IMPORT), {"confirm_token": token}, follow=True)
    assert "1 créés" in response.content.decode()
    assert Item.objects.get().uid == "vue-1"


def test_import_view_lists_errors_and_writes_nothing(client, catalogue_manager):
    """A file with a bad row shows the row and field; no confirmation is offered."""
    force_login_verified(client, catalogue_manager)
    document = _document(ROW, ROW | {"uid": "vue-2", "target_level": "Z9"})
    response = client.post(reverse(IMPORT), {"file": _upload(document)})
    content = response.content.decode()
    assert "est refusé (1 erreur)" in content
    assert "<td>2</td>" in content and "<td>target_level</td>" in content
    assert not response.context["confirm_token"]
    assert not Item.objects.exists()


def test_import_view_refuses_oversized_or_unreadable_files(
    client, catalogue_manager, settings
):
    """Files over the cap, or not JSON, are refused with a French message."""
    force_login_verified(client, catalogue_manager)
    response = client.post(
        reverse(IMPORT), {"file": SimpleUploadedFile("x.json", b"{not json")}
    )
    assert "JSON illisible" in response.content.decode()
    settings.SELFTEST_IMPORT_MAX_BYTES = 10
    response = client.post(reverse(IMPORT), {"file": _upload(_document(ROW))})
    assert "trop volumineux" in response.content.decode()


def test_export_follows_the_list_filters_and_says_it_is_confidential(
    client, catalogue_manager
):
    """The export of a filtered list has those items only, keys and a notice."""
    make_item(uid="exp-21")
    make_item("3.1", uid="exp-31")
    force_login_verified(client, catalogue_manager)
    competence = Competence.objects.get(code="3.1").pk
    response = client.get(
        reverse("selftest_itembank:export", args=["json"]), {"competence": competence}
    )
    document = json.loads(response.content)
    assert [item["uid"] for item in document["items"]] == ["exp-31"]
    assert "clés de correction" in document["notice"]
    assert "CONFIDENTIEL" in response["Content-Disposition"]
    response = client.get(reverse("selftest_itembank:export", args=["csv"]))
    assert response.content.decode("utf-8-sig").startswith("# Contient les clés")


def test_catalogue_manager_opens_the_forms_and_the_menu(client, catalogue_manager):
    """The add, edit and history pages render, and the menu names the bank."""
    item = make_item()
    force_login_verified(client, catalogue_manager)
    for url in (_url("add"), _url("edit", item.pk), _url("history", item.pk)):
        assert client.get(url).status_code == 200, url
    assert client.get(_blueprint_url("add")).status_code == 200
    content = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Autotest" in content and "banque d" in content
