"""A calibration run over the database: item statistics, promotion of pretest
items (or why not), audit, bank version, and results that stay reproducible
after a recalibration."""

from __future__ import annotations

import dataclasses
import itertools
import random
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.core.cache import cache
from django.utils import timezone

from certification.models import (
    Attempt,
    CalibrationRun,
    CompetenceEstimate,
    Item,
    ItemResponse,
)
from certification.selftest import attempts, calibration
from certification.selftest.bank import (
    VERSION_KEY,
    bump_bank_version,
    current_bank,
)
from certification.selftest.engine import Engine, p_correct
from certification.selftest.online_fit import SE_B_TOO_LARGE, TOO_FEW_RESPONSES
from lms.models import Competence, User
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.selftest import (
    correct_payload,
    make_bank,
    make_blueprint,
    make_item,
)

pytestmark = pytest.mark.django_db

_people = itertools.count(1)


def _respond(
    item: Item,
    pairs: list[tuple[float, bool]],
    blueprint=None,
    *,
    other_competence: str | None = "2.2",
) -> list[Attempt]:
    """One completed attempt per (θ̂, answer): a user, a θ̂ for the item's
    competence (and a decoy θ̂ for another competence), and the response."""
    blueprint = blueprint or make_blueprint()
    users = User.objects.bulk_create(
        User(email=f"repondant{next(_people)}@example.test", password="!")
        for _ in pairs
    )
    now = timezone.now()
    made = Attempt.objects.bulk_create(
        Attempt(
            user=user,
            blueprint=blueprint,
            status=Attempt.Status.COMPLETED,
            seed=f"s{user.pk}",
            completed_at=now,
        )
        for user in users
    )
    other = Competence.objects.get(code=other_competence) if other_competence else None
    estimates = []
    for attempt, (theta, _x) in zip(made, pairs, strict=True):
        fields = {"se": 0.5, "n_items": 4, "confidence": 0.6}
        estimates.append(
            CompetenceEstimate(
                attempt=attempt,
                competence=item.competence,
                theta=theta,
                level="B1",
                range_low="A2",
                range_high="B2",
                **fields,
            )
        )
        if other is not None and other != item.competence:
            estimates.append(
                CompetenceEstimate(
                    attempt=attempt,
                    competence=other,
                    theta=-theta + 3.0,  # a decoy: must never be used for this item
                    level="B1",
                    range_low="A2",
                    range_high="B2",
                    **fields,
                )
            )
    CompetenceEstimate.objects.bulk_create(estimates)
    ItemResponse.objects.bulk_create(
        ItemResponse(
            attempt=attempt,
            item=item,
            item_revision=item.revision,
            order=1,
            payload={"answer": 0},
            is_correct=x,
            is_pretest=item.status == Item.Status.PRETEST,
            params={"a": item.a, "b": item.b, "c": item.c},
            served_at=now,
        )
        for attempt, (_theta, x) in zip(made, pairs, strict=True)
    )
    return made


def _simulated(seed: int, n: int, a: float, b: float) -> list[tuple[float, bool]]:
    rng = random.Random(seed)  # noqa: S311 (reproducible simulation)
    thetas = [rng.gauss(0.0, 1.0) for _ in range(n)]
    return [(t, rng.random() < p_correct(t, a, b)) for t in thetas]


def _row(run: CalibrationRun, uid: str) -> dict:
    return next(r for r in run.report["items"] if r["uid"] == uid)


def test_statistics_match_hand_computed_values():
    """n, p-value, point-biserial (with the right competence's θ̂) and exposure."""
    item = make_item("2.1", "B1")
    blueprint = make_blueprint()
    made = _respond(
        item, [(2.0, True), (1.0, True), (0.0, False), (-1.0, False)], blueprint
    )
    # One attempt answered a second item without a θ̂ (abandoned): counts for n.
    other = make_item("2.1", "B2")
    lone = _respond(other, [(0.0, False)], blueprint)[0]
    lone.estimates.all().delete()
    ItemResponse.objects.create(
        attempt=made[0],
        item=other,
        item_revision=1,
        order=2,
        payload={},
        is_correct=True,
        params={"a": 1, "b": 1, "c": 0},
        served_at=timezone.now(),
    )
    run = calibration.calibrate()
    row = _row(run, item.uid)
    assert (row["n"], row["n_theta"], row["p_value"]) == (4, 4, 0.5)
    assert row["point_biserial"] == pytest.approx(0.894, abs=1e-3)  # 2·0.5/√1.25
    assert row["exposure"] == pytest.approx(4 / 5, abs=1e-3)  # 5 attempts answered
    second = _row(run, other.uid)
    assert (second["n"], second["n_theta"], second["p_value"]) == (2, 1, 0.5)
    assert second["point_biserial"] is None
    assert run.state == CalibrationRun.State.DONE
    assert run.report["attempts"] == 5


def test_a_pretest_item_with_enough_good_answers_is_promoted(settings):
    """Fitted (a, b) are saved with their SEs, source, count and date; audited."""
    settings.SELFTEST_CALIBRATION_MIN_RESPONSES = 300
    staff = UserFactory(roles=[Role.CATALOGUE_MANAGER])
    item = make_item("2.1", "B1", status=Item.Status.PRETEST, a=1.0, b=0.0)
    _respond(item, _simulated(11, 1200, 1.6, 0.8))
    bump_bank_version()
    version = cache.get(VERSION_KEY)
    run = calibration.start_calibration(staff)
    calibration.calibrate(run.pk)
    item.refresh_from_db()
    run.refresh_from_db()
    assert item.status == Item.Status.CALIBRATED
    assert item.parameter_source == Item.ParameterSource.ONLINE
    assert abs(item.a - 1.6) < 0.25 and abs(item.b - 0.8) < 0.2
    assert item.se_b is not None and item.se_b <= 0.35
    assert item.n_responses == 1200 and item.calibrated_at is not None
    assert cache.get(VERSION_KEY) > version
    row = _row(run, item.uid)
    assert row["promoted"] and row["reasons"] == [] and row["previous"]["b"] == 0.0
    assert run.report["summary"]["promoted"] == 1 and run.n_items == 1
    assert run.n_persons == 1200
    entry = LogEntry.objects.get(object_id=str(item.pk))
    assert entry.user_id == staff.pk and "prétest à calibré" in entry.change_message


def test_too_few_answers_keep_the_item_in_pretest(settings):
    """Below the threshold the item is not fitted and the report says so."""
    settings.SELFTEST_CALIBRATION_MIN_RESPONSES = 300
    item = make_item("2.1", "B1", status=Item.Status.PRETEST)
    _respond(item, _simulated(12, 299, 1.0, 0.0))
    run = calibration.calibrate()
    item.refresh_from_db()
    assert item.status == Item.Status.PRETEST
    assert item.parameter_source == Item.ParameterSource.EXPERT_SEED
    row = _row(run, item.uid)
    assert not row["fitted"]
    assert row["reasons"] == [{"code": TOO_FEW_RESPONSES, "value": 299, "needed": 300}]


def test_an_imprecise_item_stays_in_pretest_with_its_reason(settings):
    """A very hard item (few right answers) gets SE_b > 0.35: not promoted, unchanged."""
    settings.SELFTEST_CALIBRATION_MIN_RESPONSES = 300
    item = make_item("2.1", "C2", status=Item.Status.PRETEST, a=1.0, b=3.0)
    _respond(item, _simulated(13, 320, 0.6, 3.2))
    run = calibration.calibrate()
    item.refresh_from_db()
    assert (item.status, item.a, item.b) == (Item.Status.PRETEST, 1.0, 3.0)
    row = _row(run, item.uid)
    assert row["fitted"] and not row["promoted"]
    assert SE_B_TOO_LARGE in [r["code"] for r in row["reasons"]]
    assert run.report["summary"]["kept_in_pretest"] == 1


def test_answers_to_an_older_revision_are_not_fitted(settings):
    """After the stem or key changed, earlier answers no longer count."""
    settings.SELFTEST_CALIBRATION_MIN_RESPONSES = 300
    item = make_item("2.1", "B1", status=Item.Status.PRETEST)
    _respond(item, _simulated(14, 400, 1.2, 0.0))
    Item.objects.filter(pk=item.pk).update(revision=2)
    run = calibration.calibrate()
    item.refresh_from_db()
    assert item.status == Item.Status.PRETEST
    assert _row(run, item.uid)["reasons"][0]["code"] == TOO_FEW_RESPONSES


def test_a_second_run_is_refused_while_one_is_running():
    """Two launches at once: the second is refused; a stale run does not block."""
    first = calibration.start_calibration(None)
    with pytest.raises(calibration.CalibrationRefused, match="déjà en cours"):
        calibration.start_calibration(None)
    assert calibration.calibrate() is None  # the scheduled run skips too
    CalibrationRun.objects.filter(pk=first.pk).update(
        started_at=timezone.now() - timedelta(hours=3)
    )
    second = calibration.start_calibration(None)
    first.refresh_from_db()
    assert first.state == CalibrationRun.State.FAILED
    assert second.state == CalibrationRun.State.RUNNING


def test_a_finished_run_is_not_run_again():
    """The task is idempotent: a run already done is left as it is."""
    run = calibration.calibrate()
    finished_at = run.finished_at
    again = calibration.calibrate(run.pk)
    again.refresh_from_db()
    assert again.finished_at == finished_at


def test_a_failure_marks_the_run_failed(monkeypatch):
    """An error is recorded on the run (state failed, message) and re-raised."""

    def broken() -> None:
        raise RuntimeError("base indisponible")

    monkeypatch.setattr(calibration, "item_statistics", broken)
    run = calibration.start_calibration(None)
    with pytest.raises(RuntimeError):
        calibration.calibrate(run.pk)
    run.refresh_from_db()
    assert run.state == CalibrationRun.State.FAILED
    assert "base indisponible" in run.error


@pytest.fixture
def expert_cut_scores(monkeypatch):
    """Blueprint cut scores reach the engine as ``CutScores`` (core
    ``bank.engine_config`` passes plain tuples today; this is its fix)."""
    from certification.selftest import bank
    from certification.selftest.engine import CutScores

    def fixed(blueprint):
        config = bank.engine_config(blueprint)
        cuts = {k: CutScores.expert(v) for k, v in (blueprint.cut_scores or {}).items()}
        return dataclasses.replace(config, cut_scores=cuts)

    monkeypatch.setattr(attempts, "engine_config", fixed)
    monkeypatch.setattr(calibration, "engine_config", fixed)
    return fixed


def test_results_stay_reproducible_after_recalibration(settings, expert_cut_scores):
    """A completed attempt recomputed from its responses' snapshots gives the same
    θ̂, SE and levels after its pretest item was promoted and another item's
    parameters changed; the current parameters would not."""
    settings.SELFTEST_CALIBRATION_MIN_RESPONSES = 300
    make_bank()
    pretest = make_item("2.1", "B1", status=Item.Status.PRETEST, a=1.0, b=0.0)
    bump_bank_version()
    blueprint = make_blueprint(
        pretest_items_per_attempt=1,
        cut_scores={
            "2.1": [-1.5, -0.5, 0.5, 1.5, 2.5],
            "2.2": [-1.5, -0.5, 0.5, 1.5, 2.5],
        },
    )
    attempt = attempts.start_attempt(UserFactory(), blueprint)
    step = 0
    while (served := attempts.current_item(attempt)) is not None:
        payload = correct_payload(served.item) if step % 3 != 2 else 0
        attempts.answer(
            attempt, order=served.order, payload=payload, lock_token=served.lock_token
        )
        step += 1
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.COMPLETED
    assert attempt.responses.filter(item=pretest, is_pretest=True).exists()
    before = dict(attempt.estimates.values_list("competence__code", "level"))

    _respond(pretest, _simulated(15, 900, 1.8, 1.2), blueprint)
    calibration.calibrate()
    pretest.refresh_from_db()
    assert pretest.status == Item.Status.CALIBRATED
    scored = attempt.responses.filter(is_pretest=False).first().item
    Item.objects.filter(pk=scored.pk).update(a=2.5, b=scored.b - 1.0)
    bump_bank_version()

    replayed = calibration.replay_result(attempt)
    assert calibration.estimates_match(attempt, replayed)
    assert {r.competence: r.level for r in replayed.competences if r.is_measured} == (
        before
    )
    # The same answers scored with today's parameters give another θ̂.
    current = {i.pk: i for i in Item.objects.filter(responses__attempt=attempt)}
    state = calibration.replay_state(attempt)
    state = type(state)(
        answers=tuple(
            type(a)(
                a.item_id, a.competence, current_a.a, current_a.b, current_a.c,
                a.correct, current_a.status == Item.Status.PRETEST,
            )
            for a, current_a in zip(
                state.answers,
                [current[r.item_id] for r in attempt.responses.order_by("order")],
                strict=True,
            )
        ),
        stop_reason=state.stop_reason,
    )  # fmt: skip
    engine = Engine(current_bank(), expert_cut_scores(blueprint), attempt.seed)
    assert not calibration.estimates_match(attempt, engine.result(state))
