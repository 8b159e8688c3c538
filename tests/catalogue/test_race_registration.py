"""Capacity under real concurrency: many transactions racing for the last seats."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import IntegrityError, connection, transaction

from catalogue import services
from catalogue.errors import RegistrationError
from catalogue.models import Registration, RegistrationLog, Session
from tests.factories import UserFactory

from .builders_registrations import open_session

Status = Registration.Status


def race(session: Session, users: list) -> Counter:
    """Register every user at once, each thread on its own database connection."""
    barrier = threading.Barrier(len(users))
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def run(user) -> None:
        try:
            barrier.wait()
            try:
                result = services.register_for_session(user, session).status
            except RegistrationError as error:
                result = f"error:{error.code}"
            except Exception as error:  # noqa: BLE001 - counted and asserted below
                result = f"crash:{type(error).__name__}"
            with lock:
                outcomes[result] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_never_exceed_capacity():
    """30 concurrent registrations for 10 seats: exactly 10 accepted, 20 waitlisted."""
    session = open_session(capacity=10, has_waitlist=True)
    users = [UserFactory() for _ in range(30)]
    outcomes = race(session, users)
    assert outcomes == Counter({Status.ACCEPTED: 10, Status.WAITLISTED: 20})
    session.refresh_from_db()
    assert session.seats_taken == 10
    assert session.status == Session.Status.FULL
    assert Registration.objects.filter(status=Status.ACCEPTED).count() == 10
    assert RegistrationLog.objects.count() == 30


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_without_waitlist_refuse_the_rest():
    """Without a waitlist, the losers of the race get a clear 'full' error."""
    session = open_session(capacity=5, has_waitlist=False)
    users = [UserFactory() for _ in range(20)]
    outcomes = race(session, users)
    assert outcomes == Counter({Status.ACCEPTED: 5, "error:full": 15})
    session.refresh_from_db()
    assert session.seats_taken == 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submit_creates_one_registration():
    """The same person submitting 8 times at once gets one registration."""
    session = open_session(capacity=10)
    user = UserFactory()
    outcomes = race(session, [user] * 8)
    assert outcomes == Counter({Status.ACCEPTED: 8})
    assert Registration.objects.filter(user=user).count() == 1
    session.refresh_from_db()
    assert session.seats_taken == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_cancellations_promote_each_waiting_person_once():
    """Cancelling all holders at once promotes the waitlist in order, no seat lost."""
    session = open_session(capacity=4)
    holders = [UserFactory() for _ in range(4)]
    waiting = [UserFactory() for _ in range(6)]
    held = [services.register_for_session(u, session) for u in holders]
    for user in waiting:
        services.register_for_session(user, session)
    barrier = threading.Barrier(len(held))

    def cancel(registration) -> None:
        try:
            barrier.wait()
            services.cancel_registration(registration, actor=registration.user)
        finally:
            connection.close()

    threads = [threading.Thread(target=cancel, args=(r,)) for r in held]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    accepted = set(
        Registration.objects.filter(
            session=session, status=Status.ACCEPTED
        ).values_list("user_id", flat=True)
    )
    assert accepted == {u.pk for u in waiting[:4]}
    session.refresh_from_db()
    assert session.seats_taken == 4


@pytest.mark.django_db(transaction=True)
def test_database_refuses_more_seats_than_capacity():
    """The check constraint is the last guard: seats_taken cannot exceed capacity."""
    session = open_session(capacity=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=session.pk).update(seats_taken=3)
