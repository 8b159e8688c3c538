"""Delivering the outbox to the real staff-space stand-in process, faults included."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from certification.delivery import engine
from certification.delivery.staff_space import issue_request
from certification.issuance import revoke_attestation
from certification.models import AttestationEvent, Delivery, DeliveryAttempt

from . import delivery_support
from .delivery_support import PDF, drain, issued

# Fixtures shared with the other delivery tests.
standin_process = delivery_support.standin_process
standin = delivery_support.standin
_no_broker = delivery_support._no_broker

pytestmark = pytest.mark.django_db

State = Delivery.State


def _issue_row(attestation) -> Delivery:
    return Delivery.objects.get(attestation=attestation, action=Delivery.Action.ISSUE)


def test_every_attestation_is_received_exactly_once_despite_faults(standin):
    """With 30 % errors, timeouts, resets, throttling and duplicates, all arrive once."""
    standin.set_faults(
        fail_rate=0.3,
        timeout_rate=0.05,
        reset_rate=0.05,
        throttle_rate=0.05,
        duplicate_rate=0.2,
        retry_after_max=1,
        seed=5,
    )
    attestations = issued(30)
    drain(120)
    state = standin.state()
    assert set(state["attestations"]) == {str(a.uuid) for a in attestations}
    assert state["counts"]["attestations"] == 30
    receipts = {key: value["receipt"] for key, value in state["attestations"].items()}
    for attestation in attestations:
        row = _issue_row(attestation)
        assert row.state == State.DELIVERED
        assert row.receipt == receipts[str(attestation.uuid)]
        assert row.leased_until is None
        assert row.attempt_log.count() == row.attempts
        assert attestation.events.filter(kind=AttestationEvent.Kind.DELIVERED).count()
    injected = state["faults_injected"]
    assert injected.get("error") and injected.get("duplicate")
    assert DeliveryAttempt.objects.filter(outcome="retry").exists()


def test_the_body_follows_the_contract(standin):
    """The stored body carries the attestation's content, credential and PDF."""
    (attestation,) = issued()
    engine.deliver_due()
    body = standin.attestation(str(attestation.uuid))["body"]
    assert body["person"]["matricule"] == attestation.holder_matricule
    assert attestation.holder_matricule.startswith("12E")
    assert body["training"]["code"] == attestation.training_code
    assert body["hours"]["total"] == float(attestation.total_hours)
    assert body["competences"] == ["2.1", "3.1"]
    assert body["credential"] == attestation.credential
    assert body["verification_url"].endswith(f"/verify/{attestation.uuid}/")
    assert _issue_row(attestation).last_status_code == 201


def test_a_wrong_token_is_a_dead_letter_with_401(standin, settings):
    """A refused token is permanent: dead, 401 and the staff space's message kept."""
    settings.STAFF_SPACE_TOKEN = "pas-le-bon-jeton"
    (attestation,) = issued()
    assert engine.deliver_due() == 1
    row = _issue_row(attestation)
    assert (row.state, row.last_status_code, row.attempts) == (State.DEAD, 401, 1)
    assert "401" in row.last_error
    assert attestation.events.filter(
        kind=AttestationEvent.Kind.DELIVERY_FAILED
    ).exists()
    assert engine.deliver_due() == 0  # a dead letter is not retried on its own
    assert standin.state()["counts"]["attestations"] == 0


def test_an_invalid_body_is_dead_with_the_field_errors(standin):
    """A 422 is permanent, and the error names the refused field."""
    (attestation,) = issued()
    attestation.__class__.objects.filter(pk=attestation.pk).update(modality="inconnue")
    engine.deliver_due()
    row = _issue_row(attestation)
    assert (row.state, row.last_status_code) == (State.DEAD, 422)
    assert "training.modality" in row.last_error


def test_retrying_a_dead_letter_delivers_it(standin, settings, catalogue_manager):
    """After the token is fixed, the staff retry sends it and it is received."""
    settings.STAFF_SPACE_TOKEN = "pas-le-bon-jeton"
    (attestation,) = issued()
    engine.deliver_due()
    row = _issue_row(attestation)
    assert row.state == State.DEAD
    settings.STAFF_SPACE_TOKEN = standin.token
    assert engine.retry(row, catalogue_manager)
    row.refresh_from_db()
    assert (row.state, row.first_attempt_at) == (State.PENDING, None)
    engine.deliver_due()
    row.refresh_from_db()
    assert (row.state, row.attempts) == (State.DELIVERED, 2)
    assert str(attestation.uuid) in standin.state()["attestations"]
    assert attestation.events.filter(
        kind=AttestationEvent.Kind.DELIVERY_RETRIED, actor=catalogue_manager
    ).exists()
    assert not engine.retry(row, catalogue_manager)  # delivered: nothing to retry


def test_throttling_waits_for_retry_after(standin):
    """A 429 with Retry-After is retried no sooner than it says."""
    standin.set_faults(throttle_rate=1.0, retry_after_max=1, seed=2)
    (attestation,) = issued()
    before = timezone.now()
    engine.deliver_due()
    row = _issue_row(attestation)
    assert (row.state, row.last_status_code) == (State.PENDING, 429)
    assert row.next_attempt_at >= before + dt.timedelta(seconds=1)
    assert engine.deliver_due() == 0  # not due yet
    standin.set_faults(throttle_rate=0)
    drain(10)
    row.refresh_from_db()
    assert row.state == State.DELIVERED


def test_backoff_grows_and_is_capped(settings):
    """The delay doubles from the base, stays under the cap and honours Retry-After."""
    settings.STAFF_SPACE_RETRY_BASE_SECONDS = 10
    settings.STAFF_SPACE_RETRY_MAX_SECONDS = 60
    assert all(0 <= engine.backoff_seconds(1) <= 10 for _ in range(50))
    assert all(0 <= engine.backoff_seconds(3) <= 40 for _ in range(50))
    assert all(engine.backoff_seconds(30) <= 60 for _ in range(50))
    assert engine.backoff_seconds(1, retry_after=45) >= 45
    assert engine.backoff_seconds(1, retry_after=3600) <= 60


def test_giving_up_after_48_hours_makes_a_dead_letter(standin):
    """Still failing 48 h after the first try: dead, with a French message."""
    standin.set_faults(fail_rate=1.0, seed=1)
    (attestation,) = issued()
    Delivery.objects.filter(attestation=attestation).update(
        first_attempt_at=timezone.now() - dt.timedelta(hours=48, minutes=1), attempts=40
    )
    engine.deliver_due()
    row = _issue_row(attestation)
    assert row.state == State.DEAD
    assert row.last_error.startswith("Abandon après 48 h")
    assert row.attempts == 41


def test_a_lease_left_by_a_killed_worker_is_taken_again_once_expired(standin):
    """A worker died after sending: the row is resent after the lease, counted once."""
    (attestation,) = issued()
    # The killed worker had sent it, then died before recording the answer.
    sent = standin.post_attestation(issue_request(attestation, PDF).body)
    assert sent.status_code == 201
    row = _issue_row(attestation)
    Delivery.objects.filter(pk=row.pk).update(
        leased_until=timezone.now() + dt.timedelta(minutes=5)
    )
    assert engine.deliver_due() == 0  # the lease still holds
    Delivery.objects.filter(pk=row.pk).update(
        leased_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert engine.deliver_due() == 1
    row.refresh_from_db()
    assert (row.state, row.last_status_code) == (State.DELIVERED, 200)
    assert row.receipt == sent.json()["receipt"]
    state = standin.state()
    assert state["counts"]["attestations"] == 1
    assert state["attestations"][str(attestation.uuid)]["deliveries"] == 2


def test_an_answer_after_the_lease_was_lost_is_not_recorded(standin):
    """If another worker took the row back, the late answer writes nothing."""
    (attestation,) = issued()
    (claimed,) = engine._claim(10)
    Delivery.objects.filter(pk=claimed.delivery.pk).update(
        leased_until=timezone.now() + dt.timedelta(minutes=9)
    )
    outcome = engine.StaffSpaceClient().send(engine._request(claimed.delivery))
    assert engine._record(claimed, outcome) == "lost"
    assert not DeliveryAttempt.objects.exists()


def test_a_revocation_is_delivered_after_the_attestation(standin, administrator):
    """A revocation waits for the attestation, then reaches the staff space."""
    (attestation,) = issued()
    Delivery.objects.filter(attestation=attestation).update(
        next_attempt_at=timezone.now() + dt.timedelta(minutes=5)
    )
    revoke_attestation(attestation, by=administrator, reason="Présence non confirmée")
    assert engine.deliver_due() == 0  # the attestation itself is not due yet
    revocation = Delivery.objects.get(attestation=attestation, action="revoke")
    assert revocation.attempts == 0
    Delivery.objects.filter(attestation=attestation, action="issue").update(
        next_attempt_at=timezone.now()
    )
    assert engine.deliver_due() == 2
    revocation.refresh_from_db()
    issue = _issue_row(attestation)
    assert revocation.state == State.DELIVERED
    assert revocation.delivered_at >= issue.delivered_at
    received = standin.state()["revocations"][str(attestation.uuid)]
    assert received["reason"] == "Présence non confirmée"
    attestation.refresh_from_db()
    assert "révocation : reçue le" in engine.delivery_state(attestation)


def test_a_revocation_unknown_to_the_staff_space_sends_the_attestation_again(
    standin, administrator
):
    """A 404 on a revocation re-sends the attestation, then the revocation."""
    (attestation,) = issued()
    engine.deliver_due()
    standin.reset()  # the staff space lost everything
    revoke_attestation(attestation, by=administrator, reason="Erreur de session")
    drain(20)
    state = standin.state()
    assert str(attestation.uuid) in state["attestations"]
    assert state["revocations"][str(attestation.uuid)]["reason"] == "Erreur de session"
    statuses = list(
        DeliveryAttempt.objects.filter(delivery__action="revoke")
        .order_by("at", "id")
        .values_list("status_code", flat=True)
    )
    assert statuses == [404, 201]


def test_without_matricule_it_is_delivered_and_flagged(standin):
    """No staff number: delivered without it, flagged by the staff space and here."""
    (attestation,) = issued(matricule="")
    engine.deliver_due()
    received = standin.state()["attestations"][str(attestation.uuid)]
    assert received["flags"] == ["matricule_missing"]
    assert received["matricule"] is None
    assert (
        "matricule" not in standin.attestation(str(attestation.uuid))["body"]["person"]
    )
    event = attestation.events.get(kind=AttestationEvent.Kind.DELIVERED)
    assert "sans matricule" in event.message
    assert "sans matricule" in engine.delivery_state(attestation)


def test_an_attestation_without_pdf_waits(standin):
    """An issue row is not sent before the PDF exists."""
    (attestation,) = issued()
    attestation.__class__.objects.filter(pk=attestation.pk).update(pdf_path="")
    assert engine.deliver_due() == 0
    assert _issue_row(attestation).attempts == 0


def test_the_staff_space_down_means_retry_not_dead(standin, settings):
    """Nobody listening: the row stays pending with a French network error."""
    settings.STAFF_SPACE_URL = "http://127.0.0.1:9"  # discard port: refused
    settings.STAFF_SPACE_RETRY_BASE_SECONDS = 60
    (attestation,) = issued()
    engine.deliver_due()
    row = _issue_row(attestation)
    assert (row.state, row.last_status_code) == (State.PENDING, None)
    assert "Connexion à l'espace personnel impossible" in row.last_error


def test_delivery_state_labels(standin):
    """The attestation page's label: pending with attempts, received, failed."""
    (attestation,) = issued()
    assert engine.delivery_state(attestation) == "en attente"
    Delivery.objects.filter(attestation=attestation).update(attempts=3)
    assert engine.delivery_state(attestation) == "en attente (3 tentatives)"
    Delivery.objects.filter(attestation=attestation).update(
        state=State.DEAD, last_error="Refus 403 : refusée"
    )
    assert engine.delivery_state(attestation) == "en échec : Refus 403 : refusée"
    Delivery.objects.filter(attestation=attestation).update(
        state=State.PENDING, attempts=0
    )
    engine.deliver_due()
    assert engine.delivery_state(attestation).startswith("reçue le ")


def test_a_follow_up_is_scheduled_once_for_the_earliest_row(standin, monkeypatch):
    """Pending rows left: one delayed deliver_due, bounded, not one per call."""
    from celery import current_app

    from certification import tasks

    calls: list[float] = []
    monkeypatch.setattr(
        tasks.deliver_due, "apply_async", lambda countdown: calls.append(countdown)
    )
    current_app.conf.task_always_eager = False  # the autouse fixture restores it
    (attestation,) = issued()
    Delivery.objects.filter(attestation=attestation).update(
        next_attempt_at=timezone.now() + dt.timedelta(seconds=30)
    )
    engine.deliver_due()
    engine.deliver_due()
    assert len(calls) == 1
    assert 25 <= calls[0] <= 30
    Delivery.objects.filter(attestation=attestation).update(
        next_attempt_at=timezone.now() + dt.timedelta(days=1)
    )
    engine.schedule_follow_up()
    assert len(calls) == 1  # the earlier follow-up covers it


def test_reconcile_enqueues_missing_pdfs_and_due_rows(standin, monkeypatch):
    """The beat sends old PDF-less attestations to rendering and wakes the delivery."""
    from certification import tasks

    rendered: list[list[int]] = []
    woken: list[bool] = []
    monkeypatch.setattr(tasks.render_pdfs, "delay", rendered.append)
    monkeypatch.setattr(tasks.deliver_due, "delay", lambda: woken.append(True))
    old, recent, ready = issued(3)
    old.__class__.objects.filter(pk__in=[old.pk, recent.pk]).update(pdf_path="")
    old.__class__.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=3)
    )
    cache.delete_many([engine.RENDER_KEY % a.pk for a in (old, recent, ready)])
    engine.reconcile()
    assert rendered == [[old.pk]]
    assert woken == [True]
    engine.reconcile()
    assert rendered == [[old.pk]]  # not sent back twice in a row
