"""Registration services: policies, windows, waitlist, cancellation, decisions, tracks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from catalogue import services
from catalogue.errors import RegistrationError
from catalogue.events import (
    RegistrationAccepted,
    registration_accepted,
    registration_cancelled,
)
from catalogue.flows import RegistrationFlow
from catalogue.models import Registration, RegistrationLog, Session, TrackRegistration
from lms.roles import Role
from tests.factories.catalogue import make_session, make_track, make_training

from .builders_registrations import open_session, teacher_user, user_with

pytestmark = pytest.mark.django_db
Status = Registration.Status


@pytest.fixture
def manager():
    return user_with(Role.REGISTRATIONS_MANAGER)


@pytest.fixture
def events():
    """Collect the catalogue's domain events while the test runs."""
    received: list[tuple[str, object]] = []

    def on_accepted(sender, event, **kwargs):
        received.append(("accepted", event))

    def on_cancelled(sender, event, **kwargs):
        received.append(("cancelled", event))

    registration_accepted.connect(on_accepted, dispatch_uid="test.accepted")
    registration_cancelled.connect(on_cancelled, dispatch_uid="test.cancelled")
    yield received
    registration_accepted.disconnect(dispatch_uid="test.accepted")
    registration_cancelled.disconnect(dispatch_uid="test.cancelled")


def statuses(session: Session) -> list[str]:
    return list(
        Registration.objects.filter(session=session)
        .order_by("created_at", "pk")
        .values_list("status", flat=True)
    )


# --- Automatic policy ---------------------------------------------------------------


def test_automatic_accepts_within_capacity_then_waitlists():
    """An automatic session accepts up to capacity, turns FULL, then waitlists."""
    session = open_session(capacity=2)
    people = [teacher_user() for _ in range(3)]
    results = [services.register_for_session(p, session).status for p in people]
    assert results == [Status.ACCEPTED, Status.ACCEPTED, Status.WAITLISTED]
    session.refresh_from_db()
    assert session.seats_taken == 2
    assert session.status == Session.Status.FULL


def test_automatic_without_waitlist_refuses_when_full():
    """A full session without waitlist refuses with a clear French message."""
    session = open_session(capacity=1, has_waitlist=False)
    services.register_for_session(teacher_user(), session)
    with pytest.raises(RegistrationError, match="complète") as error:
        services.register_for_session(teacher_user(), session)
    assert error.value.code == "full"
    assert Registration.objects.filter(session=session).count() == 1


def test_register_is_idempotent():
    """Registering twice returns the same active registration and takes one seat."""
    session = open_session(capacity=5)
    teacher = teacher_user()
    first = services.register_for_session(teacher, session)
    second = services.register_for_session(teacher, session)
    assert first.pk == second.pk
    session.refresh_from_db()
    assert session.seats_taken == 1
    assert RegistrationLog.objects.filter(registration=first).count() == 1


def test_registering_again_after_cancelling_creates_a_new_registration():
    """A cancelled registration does not block a new one (partial unique constraint)."""
    session = open_session(capacity=5)
    teacher = teacher_user()
    first = services.register_for_session(teacher, session)
    services.cancel_registration(first, actor=teacher)
    second = services.register_for_session(teacher, session)
    assert second.pk != first.pk
    assert second.status == Status.ACCEPTED


def test_every_change_is_logged():
    """Creation and each status change write one audit log row, with the actor."""
    session = open_session(capacity=5)
    teacher = teacher_user()
    registration = services.register_for_session(teacher, session)
    services.cancel_registration(registration, actor=teacher)
    log = list(registration.log.values_list("from_status", "to_status", "actor"))
    assert log == [
        ("", Status.ACCEPTED, teacher.pk),
        (Status.ACCEPTED, Status.CANCELLED, teacher.pk),
    ]


# --- Window and status --------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (Session.Status.PLANNED, "not_open"),
        (Session.Status.CLOSED, "closed"),
        (Session.Status.CANCELLED, "cancelled"),
    ],
)
def test_session_status_blocks_registration(status, code):
    """Planned, closed and cancelled sessions refuse registrations."""
    session = open_session(status=status)
    with pytest.raises(RegistrationError) as error:
        services.register_for_session(teacher_user(), session)
    assert error.value.code == code


def test_registration_window_not_yet_open():
    """Before the window opens, the error says when it opens."""
    session = open_session(registration_opens_at=timezone.now() + dt.timedelta(days=2))
    with pytest.raises(RegistrationError, match="ouvriront le"):
        services.register_for_session(teacher_user(), session)


def test_registration_window_closed():
    """After the window closes, registering is refused."""
    session = open_session()
    Session.objects.filter(pk=session.pk).update(
        registration_closes_at=timezone.now() - dt.timedelta(minutes=1)
    )
    session.refresh_from_db()
    with pytest.raises(RegistrationError, match="clôturées"):
        services.register_for_session(teacher_user(), session)


def test_draft_training_blocks_registration():
    """A session of an unpublished training cannot be registered for."""
    training = make_training(live=False)
    session = make_session(training)
    with pytest.raises(RegistrationError) as error:
        services.register_for_session(teacher_user(), session)
    assert error.value.code == "not_published"


# --- Audience -----------------------------------------------------------------------


def test_audience_mismatch_is_recorded():
    """A teacher registering to a CTP-only training is flagged, not refused."""
    session = open_session(audiences=("ctp",), policy=Session.Policy.MANUAL_PRIORITY)
    registration = services.register_for_session(teacher_user(), session)
    assert registration.status == Status.PENDING
    assert registration.is_audience_mismatch is True
    ctp = services.register_for_session(user_with(Role.CTP), session)
    assert ctp.is_audience_mismatch is False


def test_training_without_audience_matches_everyone():
    """No targeted audience means nobody is out of it."""
    session = open_session(audiences=())
    registration = services.register_for_session(user_with(Role.TUTOR), session)
    assert registration.is_audience_mismatch is False


# --- Manual policies and decisions --------------------------------------------------


def test_manual_policy_keeps_registrations_pending_with_motivation():
    """Manual sessions register as PENDING and keep the motivation, no seat taken."""
    session = open_session(policy=Session.Policy.MANUAL)
    registration = services.register_for_session(
        teacher_user(), session, motivation="  Je coordonne le numérique.  "
    )
    assert registration.status == Status.PENDING
    assert registration.motivation == "Je coordonne le numérique."
    session.refresh_from_db()
    assert session.seats_taken == 0


def test_bulk_accept_respects_capacity_in_given_order(manager):
    """Accepting three for two seats accepts the first two and reports the third."""
    session = open_session(capacity=2, policy=Session.Policy.MANUAL)
    regs = [services.register_for_session(teacher_user(), session) for _ in range(3)]
    report = services.decide_registrations(
        [regs[2], regs[0], regs[1]], decision="accept", actor=manager, note="Bienvenue"
    )
    assert report.changed == [regs[2].pk, regs[0].pk]
    assert report.skipped_ids == [regs[1].pk]
    session.refresh_from_db()
    assert session.seats_taken == 2
    assert session.status == Session.Status.FULL
    accepted = Registration.objects.get(pk=regs[2].pk)
    assert accepted.decided_by == manager
    assert accepted.decision_note == "Bienvenue"


def test_bulk_refuse_and_waitlist(manager):
    """Refuse and waitlist apply to pending registrations and skip others."""
    session = open_session(capacity=2, policy=Session.Policy.MANUAL)
    first, second = (
        services.register_for_session(teacher_user(), session) for _ in range(2)
    )
    report = services.decide_registrations(
        [first], decision="refuse", actor=manager, note="Hors réseau"
    )
    assert report.changed == [first.pk]
    report = services.decide_registrations(
        [first, second], decision="waitlist", actor=manager
    )
    assert report.changed == [second.pk]
    assert report.skipped_ids == [first.pk]
    first.refresh_from_db()
    assert (first.status, first.decision_note) == (Status.REFUSED, "Hors réseau")


def test_teacher_cannot_decide():
    """Only registrations staff may decide."""
    session = open_session(policy=Session.Policy.MANUAL)
    teacher = teacher_user()
    registration = services.register_for_session(teacher, session)
    with pytest.raises(RegistrationError):
        services.decide_registrations([registration], decision="accept", actor=teacher)


def test_catalogue_manager_cannot_decide():
    """Catalogue managers read registrations but cannot decide."""
    session = open_session(policy=Session.Policy.MANUAL)
    registration = services.register_for_session(teacher_user(), session)
    with pytest.raises(RegistrationError):
        services.decide_registrations(
            [registration],
            decision="accept",
            actor=user_with(Role.CATALOGUE_MANAGER),
        )


def test_flow_refuses_illegal_transition():
    """The flow refuses moves outside the state machine (refused → accepted)."""
    session = open_session(policy=Session.Policy.MANUAL)
    registration = services.register_for_session(teacher_user(), session)
    RegistrationFlow(registration).refuse()
    with pytest.raises(RegistrationError):
        RegistrationFlow(registration).accept()


# --- Cancellation and waitlist promotion ----------------------------------------------


def test_cancel_promotes_first_waitlisted(django_capture_on_commit_callbacks, events):
    """Cancelling an accepted seat promotes the oldest waitlisted person (FIFO)."""
    session = open_session(capacity=1)
    holder, first, second = (teacher_user() for _ in range(3))
    held = services.register_for_session(holder, session)
    waiting_1 = services.register_for_session(first, session)
    waiting_2 = services.register_for_session(second, session)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_registration(held, actor=holder)
    assert statuses(session) == [Status.CANCELLED, Status.ACCEPTED, Status.WAITLISTED]
    waiting_1.refresh_from_db()
    assert waiting_1.status == Status.ACCEPTED
    assert waiting_1.log.last().note.startswith("Promotion")
    waiting_2.refresh_from_db()
    assert waiting_2.status == Status.WAITLISTED
    session.refresh_from_db()
    assert (session.seats_taken, session.status) == (1, Session.Status.FULL)
    kinds = [kind for kind, _ in events]
    assert kinds == ["cancelled", "accepted"]
    assert events[1][1].registration_id == waiting_1.pk


def test_cancel_without_waitlist_reopens_full_session():
    """A freed seat with nobody waiting turns FULL back to OPEN."""
    session = open_session(capacity=1)
    teacher = teacher_user()
    registration = services.register_for_session(teacher, session)
    session.refresh_from_db()
    assert session.status == Session.Status.FULL
    services.cancel_registration(registration, actor=teacher)
    session.refresh_from_db()
    assert (session.seats_taken, session.status) == (0, Session.Status.OPEN)


def test_cancelling_a_waitlisted_registration_keeps_seats():
    """Cancelling a waitlisted registration frees no seat."""
    session = open_session(capacity=1)
    services.register_for_session(teacher_user(), session)
    waiting_user = teacher_user()
    waiting = services.register_for_session(waiting_user, session)
    services.cancel_registration(waiting, actor=waiting_user)
    session.refresh_from_db()
    assert (session.seats_taken, session.status) == (1, Session.Status.FULL)


def test_teacher_cannot_cancel_after_deadline_but_staff_can(manager):
    """Past the cancellation deadline only staff may cancel."""
    session = open_session(capacity=3)
    teacher = teacher_user()
    registration = services.register_for_session(teacher, session)
    Session.objects.filter(pk=session.pk).update(
        cancellation_deadline=timezone.now() - dt.timedelta(hours=1)
    )
    with pytest.raises(RegistrationError, match="date limite") as error:
        services.cancel_registration(registration, actor=teacher)
    assert error.value.code == "deadline"
    services.cancel_registration(registration, actor=manager)
    registration.refresh_from_db()
    assert registration.status == Status.CANCELLED


def test_cannot_cancel_someone_elses_registration():
    """A teacher cannot cancel another person's registration."""
    session = open_session()
    registration = services.register_for_session(teacher_user(), session)
    with pytest.raises(RegistrationError) as error:
        services.cancel_registration(registration, actor=teacher_user())
    assert error.value.code == "forbidden"


def test_cancelling_twice_is_refused():
    """An already cancelled registration cannot be cancelled again."""
    session = open_session()
    teacher = teacher_user()
    registration = services.register_for_session(teacher, session)
    services.cancel_registration(registration, actor=teacher)
    with pytest.raises(RegistrationError) as error:
        services.cancel_registration(registration, actor=teacher)
    assert error.value.code == "inactive"


# --- Events ------------------------------------------------------------------------------


def test_accepted_event_fires_once_after_commit(
    django_capture_on_commit_callbacks, events
):
    """registration_accepted is sent once, only when the transaction commits."""
    session = open_session(capacity=3)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        registration = services.register_for_session(teacher_user(), session)
    assert events == []
    for callback in callbacks:
        callback()
    assert events == [
        (
            "accepted",
            RegistrationAccepted(
                registration_id=registration.pk,
                user_id=registration.user_id,
                session_id=session.pk,
                training_id=session.training_id,
                course_template_id=None,
            ),
        )
    ]


def test_no_event_for_pending_or_waitlisted(django_capture_on_commit_callbacks, events):
    """Pending and waitlisted registrations send no acceptance event."""
    session = open_session(capacity=1, policy=Session.Policy.MANUAL)
    with django_capture_on_commit_callbacks(execute=True):
        services.register_for_session(teacher_user(), session)
    assert events == []


# --- Tracks ---------------------------------------------------------------------------


def test_track_registration_registers_fixed_sessions():
    """Registering to a track registers to each fixed session; others stay to choose."""
    first = make_training(title="Étape un")
    second = make_training(title="Étape deux")
    third = make_training(title="Étape trois")
    s1, s3 = make_session(first), make_session(third)
    track = make_track(
        title="Haute expertise",
        trainings=[first, second, third],
        sessions=[s1, None, s3],
        audiences=["ctp"],
    )
    ctp = user_with(Role.CTP)
    track_registration = services.register_for_track(ctp, track)
    assert track_registration.status == TrackRegistration.Status.ACTIVE
    linked = Registration.objects.filter(track_registration=track_registration)
    assert {r.session_id for r in linked} == {s1.pk, s3.pk}
    again = services.register_for_track(ctp, track)
    assert again.pk == track_registration.pk
    assert linked.count() == 2


def test_track_refuses_ineligible_function():
    """A teacher cannot register to a track reserved to CTP and DCO."""
    training = make_training()
    track = make_track(
        title="Haute expertise", trainings=[training], audiences=["ctp", "dco"]
    )
    with pytest.raises(RegistrationError, match="réservé") as error:
        services.register_for_track(teacher_user(), track)
    assert error.value.code == "ineligible"
    assert not TrackRegistration.objects.exists()


def test_track_registration_is_all_or_nothing():
    """A step that refuses rolls back the whole track registration."""
    ok, blocked = make_training(), make_training(title="Complète")
    open_one = make_session(ok, capacity=5)
    full = make_session(blocked, capacity=1, has_waitlist=False)
    services.register_for_session(teacher_user(), full)
    track = make_track(
        title="Parcours", trainings=[ok, blocked], sessions=[open_one, full]
    )
    with pytest.raises(RegistrationError, match="Étape 2"):
        services.register_for_track(teacher_user(), track)
    assert not TrackRegistration.objects.exists()
    open_one.refresh_from_db()
    assert open_one.seats_taken == 0
    assert not Registration.objects.filter(session=open_one).exists()


def test_no_event_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks, events
):
    """A registration inside a rolled-back transaction sends no event."""
    from django.db import transaction

    session = open_session(capacity=3)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            services.register_for_session(teacher_user(), session)
            raise RuntimeError("rollback")
    assert events == []
    session.refresh_from_db()
    assert session.seats_taken == 0


def test_accept_refused_on_cancelled_session(manager):
    """Staff cannot accept people into a cancelled session."""
    session = open_session(policy=Session.Policy.MANUAL)
    registration = services.register_for_session(teacher_user(), session)
    Session.objects.filter(pk=session.pk).update(status=Session.Status.CANCELLED)
    report = services.decide_registrations(
        [registration], decision="accept", actor=manager
    )
    assert report.changed == []
    assert "annulée" in report.skipped[0][1]


def test_staff_accepting_a_waitlisted_person_takes_a_seat(manager):
    """A manager may accept a waitlisted person while seats are free."""
    session = open_session(capacity=2, policy=Session.Policy.MANUAL)
    registration = services.register_for_session(teacher_user(), session)
    services.decide_registrations([registration], decision="waitlist", actor=manager)
    report = services.decide_registrations(
        [registration], decision="accept", actor=manager
    )
    assert report.changed == [registration.pk]
    session.refresh_from_db()
    assert session.seats_taken == 1


def test_raising_capacity_promotes_the_waitlist_in_order():
    """After staff raise the capacity, waitlisted people fill the new seats FIFO."""
    session = open_session(capacity=1)
    services.register_for_session(teacher_user(), session)
    waiting = [services.register_for_session(teacher_user(), session) for _ in range(3)]
    Session.objects.filter(pk=session.pk).update(capacity=3)
    promoted = services.promote_waitlisted(session)
    assert [r.pk for r in promoted] == [waiting[0].pk, waiting[1].pk]
    session.refresh_from_db()
    assert session.seats_taken == 3
    assert statuses(session) == [Status.ACCEPTED] * 3 + [Status.WAITLISTED]


def test_raising_capacity_without_waitlist_reopens_full_session():
    """A FULL session whose capacity grows becomes OPEN again."""
    session = open_session(capacity=1)
    services.register_for_session(teacher_user(), session)
    Session.objects.filter(pk=session.pk).update(capacity=2)
    assert services.promote_waitlisted(session) == []
    session.refresh_from_db()
    assert session.status == Session.Status.OPEN
