"""The self-test demo step: items, blueprints, idempotence, and tests that end."""

from __future__ import annotations

from decimal import Decimal

import pytest

from certification.models import Attempt, Blueprint, Item, ItemFamily, ItemOption
from certification.selftest import attempts, demo_content
from certification.selftest.bank import current_bank, engine_config
from certification.selftest.demo import GLOBAL_SLUG, seed_demo_selftest
from certification.selftest.engine import Engine, StopReason
from certification.selftest.engine.simulate import seeded_rng, take_test
from lms import demo as lms_demo
from lms import digcompedu
from lms.models import Competence, ProficiencyLevel

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "items": Item.objects.count(),
        "options": ItemOption.objects.count(),
        "families": ItemFamily.objects.count(),
        "blueprints": Blueprint.objects.count(),
        "revisions": sum(Item.objects.values_list("revision", flat=True)),
    }


def test_step_is_registered_for_seed_demo():
    """``seed_demo`` runs the self-test step."""
    assert seed_demo_selftest in lms_demo._EXTRA_STEPS


def test_step_loads_every_demo_item():
    """After the step, every item of the demo file exists, flagged demo."""
    seed_demo_selftest()
    expected = {row["uid"] for row in demo_content.load()["items"]}
    assert set(Item.objects.values_list("uid", flat=True)) >= expected
    assert Item.objects.filter(uid__in=expected, is_demo=True).count() == len(expected)


def test_step_is_idempotent():
    """Running the step twice leaves the same counts and revisions."""
    seed_demo_selftest()
    first = _counts()
    seed_demo_selftest()
    assert _counts() == first


def test_step_keeps_calibrated_parameters():
    """A re-run does not reset the parameters of an item calibrated since."""
    seed_demo_selftest()
    Item.objects.filter(uid="demo-2-1-01").update(
        a=1.55, b=-1.1, parameter_source=Item.ParameterSource.BATCH
    )
    seed_demo_selftest()
    item = Item.objects.get(uid="demo-2-1-01")
    assert (item.a, item.b, item.parameter_source) == (1.55, -1.1, "mml_batch")


def test_step_restores_an_edited_demo_key():
    """A demo item whose key was changed gets its key back, with a new revision."""
    seed_demo_selftest()
    item = Item.objects.get(uid="demo-4-2-03")
    Item.objects.filter(pk=item.pk).update(numeric_answer=Decimal("1"))
    seed_demo_selftest()
    item.refresh_from_db()
    assert item.numeric_answer == Decimal("75")
    assert item.revision == 2


def test_step_writes_the_french_framework_texts():
    """The step refreshes competence descriptions and level descriptors."""
    Competence.objects.update(description_fr="")
    ProficiencyLevel.objects.update(descriptor_fr="")
    seed_demo_selftest()
    assert (
        ProficiencyLevel.objects.get(code="C2").descriptor_fr
        == digcompedu.LEVEL_DESCRIPTORS_FR["C2"]
    )
    assert not Competence.objects.filter(description_fr="").exists()


def test_one_profile_blueprint_per_area():
    """Each area has an active profile blueprint over exactly its competences."""
    seed_demo_selftest()
    for area in digcompedu.areas():
        blueprint = Blueprint.objects.get(slug=f"autotest-domaine-{area.code}")
        codes = set(blueprint.competences.values_list("code", flat=True))
        assert blueprint.mode == Blueprint.Mode.PROFILE
        assert blueprint.is_active
        assert codes == {
            c.code for c in digcompedu.competences() if c.area == area.code
        }
        assert len(codes) <= 6
        engine_config(blueprint)  # the engine accepts it


def test_global_blueprint_covers_the_22_competences():
    """ "Positionnement rapide" is a global blueprint over all 22 competences."""
    seed_demo_selftest()
    blueprint = Blueprint.objects.get(slug=GLOBAL_SLUG)
    assert blueprint.name == "Positionnement rapide"
    assert blueprint.mode == Blueprint.Mode.GLOBAL
    assert blueprint.competences.count() == 22
    assert engine_config(blueprint).effective_max_items_total == 30


def test_used_blueprint_gets_a_new_version_when_its_definition_changes(teacher):
    """A blueprint with attempts is not edited: a new version replaces it."""
    seed_demo_selftest()
    blueprint = Blueprint.objects.get(slug="autotest-domaine-4")
    attempts.start_attempt(teacher, blueprint)
    Blueprint.objects.filter(pk=blueprint.pk).update(max_items_total=12)
    seed_demo_selftest()
    versions = Blueprint.objects.filter(slug="autotest-domaine-4").order_by("version")
    assert [(b.version, b.is_active) for b in versions] == [(1, False), (2, True)]
    assert versions[1].max_items_total == 24


def test_simulated_examinees_stop_within_the_limits():
    """Simulated teachers of low, middle and high ability end every demo blueprint
    within its limits, without exhausting the pool."""
    seed_demo_selftest()
    bank = current_bank()
    rng = seeded_rng(7)
    for blueprint in Blueprint.objects.filter(is_active=True, slug__in=_demo_slugs()):
        config = engine_config(blueprint)
        for theta in (-2.0, 0.3, 2.5):
            engine = Engine(bank, config, f"{blueprint.slug}-{theta}")
            state = take_test(engine, theta, rng)
            assert state.stop_reason in {
                StopReason.COMPETENCES_DONE,
                StopReason.PRECISION_REACHED,
                StopReason.MAX_ITEMS,
            }, (blueprint.slug, theta, state.stop_reason)
            assert len(state.answers) <= config.effective_max_items_total
            scored = [a for a in state.answers if not a.is_pretest]
            for code in config.competences:
                n = sum(a.competence == code for a in scored)
                assert n <= config.max_items_per_competence
            families = [bank.get(a.item_id).family for a in state.answers]
            named = [f for f in families if f]
            assert len(named) == len(set(named))


def _demo_slugs() -> list[str]:
    return [f"autotest-domaine-{a.code}" for a in digcompedu.areas()] + [GLOBAL_SLUG]


def _right_answer(served: attempts.ServedItem):
    item = served.item
    options = list(item.options.all())
    if item.item_type == Item.Type.SINGLE_CHOICE:
        return next(o.pk for o in options if o.is_correct)
    if item.item_type == Item.Type.MULTIPLE_CHOICE:
        return [o.pk for o in options if o.is_correct]
    if item.item_type == Item.Type.ORDERING:
        return [o.pk for o in sorted(options, key=lambda o: o.sort_order)]
    return str(item.numeric_answer).replace(".", ",")


def test_a_teacher_completes_an_area_test_through_the_services(teacher):
    """Answering the demo items of area 6 right, a teacher finishes within limits
    and every answer is scored correct."""
    seed_demo_selftest()
    blueprint = Blueprint.objects.get(slug="autotest-domaine-6", is_active=True)
    attempt = attempts.start_attempt(teacher, blueprint)
    for _step in range(60):
        served = attempts.current_item(attempt)
        if served is None:
            break
        attempts.answer(
            attempt,
            order=served.order,
            payload=_right_answer(served),
            lock_token=served.lock_token,
        )
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.COMPLETED
    responses = list(attempt.responses.all())
    assert 5 * 3 <= len(responses) <= blueprint.max_items_total
    assert all(r.is_correct for r in responses)
