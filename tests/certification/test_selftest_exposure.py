"""The exposure ceiling in service: counters rolled up from sittings, items at the
ceiling no longer served (spec B1 filter 6, S8)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from certification.models import Attempt, ItemExposure, ItemResponse
from certification.selftest import attempts, exposure
from certification.selftest.bank import bump_bank_version
from certification.tasks import roll_up_item_exposure
from tests.factories import UserFactory
from tests.factories.selftest import answer_all_right, make_bank, make_blueprint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters():
    exposure.forget()
    yield
    exposure.forget()


@pytest.fixture
def bank():
    items = make_bank()
    bump_bank_version()
    return items


def test_roll_up_counts_answers_and_shown_items_of_recent_sittings(bank):
    """Administrations = answered items + the item an unfinished sitting shows, per
    blueprint slug; sittings older than the window and other blueprints don't count."""
    blueprint = make_blueprint()
    other = make_blueprint()
    finished = attempts.start_attempt(UserFactory(), blueprint)
    answer_all_right(finished)
    showing = attempts.start_attempt(UserFactory(), blueprint)
    shown_item = attempts.current_item(showing).item
    old = attempts.start_attempt(UserFactory(), blueprint)
    answer_all_right(old)
    Attempt.objects.filter(pk=old.pk).update(
        started_at=timezone.now() - timedelta(days=200)
    )
    attempts.current_item(attempts.start_attempt(UserFactory(), other))

    assert roll_up_item_exposure() > 0  # the beat task, run here

    rows = {
        row.item_id: row
        for row in ItemExposure.objects.filter(blueprint_slug=blueprint.slug)
    }
    expected = {}
    for response in ItemResponse.objects.filter(attempt=finished):
        expected[response.item_id] = expected.get(response.item_id, 0) + 1
    expected[shown_item.pk] = expected.get(shown_item.pk, 0) + 1
    assert {pk: row.administrations for pk, row in rows.items()} == expected
    assert {row.sessions_total for row in rows.values()} == {2}
    other_rows = ItemExposure.objects.filter(blueprint_slug=other.slug)
    assert [(r.administrations, r.sessions_total) for r in other_rows] == [(1, 1)]


def test_a_roll_up_replaces_the_previous_counters(bank):
    """Counters are recounted, not added to: rolling up twice gives the same rows."""
    blueprint = make_blueprint()
    attempts.current_item(attempts.start_attempt(UserFactory(), blueprint))
    exposure.roll_up()
    first = list(ItemExposure.objects.values_list("item_id", "administrations"))
    exposure.roll_up()
    assert list(ItemExposure.objects.values_list("item_id", "administrations")) == (
        first
    )
    assert exposure.stats_for(blueprint).sessions == 1


def test_an_item_at_the_ceiling_is_no_longer_served(bank):
    """With top-K = 1 every sitting opens on the same item; once 50 sittings have
    seen it (exposure 1.0 ≥ 0.30) new sittings open on another item, and the over-
    exposed item is not served to them at all."""
    blueprint = make_blueprint(top_k=1, exposure_ceiling=0.30)
    openers = {
        attempts.current_item(attempts.start_attempt(UserFactory(), blueprint)).item
        for _ in range(50)
    }
    assert len(openers) == 1
    (opener,) = openers

    before_roll_up = attempts.start_attempt(UserFactory(), blueprint)
    assert attempts.current_item(before_roll_up).item == opener

    exposure.roll_up()
    stats = exposure.stats_for(blueprint)
    assert stats.sessions == 51
    assert stats.rate(opener.uid) == 1.0

    after = attempts.start_attempt(UserFactory(), blueprint)
    assert attempts.current_item(after).item != opener
    answer_all_right(after)
    served = set(ItemResponse.objects.filter(attempt=after).values_list("item_id"))
    assert (opener.pk,) not in served


def test_the_ceiling_waits_for_fifty_sittings(bank):
    """Below 50 sittings the counters are too thin: the ceiling does not apply."""
    blueprint = make_blueprint(top_k=1, exposure_ceiling=0.30)
    opener = attempts.current_item(
        attempts.start_attempt(UserFactory(), blueprint)
    ).item
    for _ in range(9):
        attempts.current_item(attempts.start_attempt(UserFactory(), blueprint))
    exposure.roll_up()
    assert exposure.stats_for(blueprint).rate(opener.uid) == 1.0
    later = attempts.start_attempt(UserFactory(), blueprint)
    assert attempts.current_item(later).item == opener
