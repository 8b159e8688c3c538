"""Taking the self-test through the services: resume, refusals, result."""

from __future__ import annotations

import pytest

from certification.models import Attempt, CompetenceEstimate, ItemResponse
from certification.selftest import attempts
from certification.selftest.bank import bump_bank_version
from tests.factories import UserFactory
from tests.factories.selftest import (
    correct_payload,
    make_bank,
    make_blueprint,
    make_item,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def blueprint():
    make_bank()
    bump_bank_version()
    return make_blueprint()


def _take(attempt, answer_right) -> int:
    steps = 0
    while (served := attempts.current_item(attempt)) is not None:
        payload = correct_payload(served.item) if answer_right(served) else 0
        attempts.answer(
            attempt, order=served.order, payload=payload, lock_token=served.lock_token
        )
        steps += 1
        assert steps < 100
    return steps


def test_a_reload_shows_the_same_question(blueprint):
    """Asking for the current item twice serves the same item and token."""
    attempt = attempts.start_attempt(UserFactory(), blueprint)
    first = attempts.current_item(attempt)
    again = attempts.current_item(attempt)
    assert (again.item.pk, again.lock_token, again.options) == (
        first.item.pk,
        first.lock_token,
        first.options,
    )
    assert attempts.start_attempt(attempt.user, blueprint) == attempt  # resumed


def test_replays_stale_tabs_and_late_answers_are_refused(blueprint):
    """A replayed step or a stale token is a 409 and writes nothing."""
    attempt = attempts.start_attempt(UserFactory(), blueprint)
    served = attempts.current_item(attempt)
    with pytest.raises(attempts.AnswerRefused) as stale:
        attempts.answer(attempt, order=served.order, payload=0, lock_token="x")
    assert stale.value.status == 409
    attempts.answer(
        attempt, order=served.order, payload=0, lock_token=served.lock_token
    )
    with pytest.raises(attempts.AnswerRefused) as replay:
        attempts.answer(
            attempt, order=served.order, payload=0, lock_token=served.lock_token
        )
    assert replay.value.status == 409
    assert ItemResponse.objects.filter(attempt=attempt).count() == 1


def test_a_malformed_answer_is_a_400(blueprint):
    attempt = attempts.start_attempt(UserFactory(), blueprint)
    served = attempts.current_item(attempt)
    with pytest.raises(attempts.AnswerRefused) as refused:
        attempts.answer(
            attempt, order=served.order, payload="abc", lock_token=served.lock_token
        )
    assert refused.value.status == 400
    assert not ItemResponse.objects.exists()


def test_right_answers_give_higher_levels_than_wrong_ones(blueprint):
    """A teacher answering everything right ends above one answering wrong."""
    strong = attempts.start_attempt(UserFactory(), blueprint)
    weak = attempts.start_attempt(UserFactory(), blueprint)
    assert _take(strong, lambda s: True) >= 6
    _take(weak, lambda s: False)
    strong.refresh_from_db()
    assert strong.status == Attempt.Status.COMPLETED
    high = dict(strong.estimates.values_list("competence__code", "level"))
    low = dict(weak.estimates.values_list("competence__code", "level"))
    assert set(high) == {"2.1", "2.2"}
    assert all(high[c] > low[c] for c in high)
    with pytest.raises(attempts.RetakeTooEarly, match="repasser"):
        attempts.start_attempt(strong.user, blueprint)
    assert CompetenceEstimate.objects.filter(attempt=strong).count() == 2


@pytest.mark.parametrize("item_type", ["multiple_choice", "ordering", "numeric"])
def test_each_item_type_is_scored_from_its_key(item_type):
    """The key decides: the right payload scores 1, a wrong one 0."""
    from certification.selftest.bank import score

    item = make_item(item_type=item_type)
    assert score(item, correct_payload(item)) is True
    wrong = {"multiple_choice": [], "ordering": None, "numeric": "41"}[item_type]
    if wrong is None:
        wrong = list(reversed(correct_payload(item)))
    assert score(item, wrong) is False


def test_a_saved_blueprint_reaches_new_sittings(blueprint):
    """The engine settings are kept per process but follow a save of the blueprint
    (here before any sitting: a used blueprint's settings are frozen)."""
    from certification.selftest.bank import engine_config

    assert engine_config(blueprint).max_items_per_competence == 8
    blueprint.max_items_per_competence = 4
    blueprint.save()
    assert engine_config(blueprint).max_items_per_competence == 4
    attempt = attempts.start_attempt(UserFactory(), blueprint)
    assert _take(attempt, lambda served: True) == 8  # 2 competences × 4 items
