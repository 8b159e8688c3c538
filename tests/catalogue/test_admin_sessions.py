"""Sessions in the Wagtail admin: permissions, French validation messages, bounded queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from catalogue.admin_views.sessions import sessions_url_for
from catalogue.models import Session
from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.catalogue import make_session, make_training
from tests.two_factor_support import force_login_verified

from .builders_registrations import eager_tasks

__all__ = ["eager_tasks"]

pytestmark = pytest.mark.django_db

INDEX = "catalogue_sessions:index"
ADD = "catalogue_sessions:add"
EDIT = "catalogue_sessions:edit"


@pytest.fixture
def registrations_manager(db):
    return UserFactory(roles=[Role.REGISTRATIONS_MANAGER])


def _form_data(training, **overrides) -> dict[str, str]:
    data = {
        "training": str(training.pk),
        "code": "ADM-S1",
        "starts_on": "2030-03-04",
        "ends_on": "2030-03-05",
        "is_online": "",
        "venue": "",
        "address": "Rue de Fer 1",
        "postal_code": "5000",
        "city": "Namur",
        "notes": "",
        "capacity": "20",
        "has_waitlist": "on",
        "registration_opens_at": "",
        "registration_closes_at": "2030-02-25 18:00",
        "cancellation_deadline": "",
        "status": "open",
        "policy": "automatic",
        "days-TOTAL_FORMS": "1",
        "days-INITIAL_FORMS": "0",
        "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
        "days-0-date": "2030-03-04",
        "days-0-start_time": "09:00",
        "days-0-end_time": "16:00",
        "days-0-kind": "presentiel",
        "days-0-id": "",
    }
    data.update(overrides)
    return data


def test_catalogue_manager_creates_session_with_days(client, catalogue_manager):
    """A catalogue manager creates a session; its province is derived from the place."""
    training = make_training()
    tutor = UserFactory(roles=[Role.TUTOR])
    force_login_verified(client, catalogue_manager)
    response = client.post(reverse(ADD), _form_data(training, tutors=[str(tutor.pk)]))
    assert response.status_code == 302, response.context["form"].errors
    session = Session.objects.get(code="ADM-S1")
    assert session.province == "namur"
    assert session.days.get().date == dt.date(2030, 3, 4)
    assert list(session.tutors.all()) == [tutor]


def test_invalid_session_shows_french_messages(client, catalogue_manager):
    """End before start, zero capacity and a missing place give French errors."""
    training = make_training()
    force_login_verified(client, catalogue_manager)
    response = client.post(
        reverse(ADD),
        _form_data(
            training,
            starts_on="2030-03-05",
            ends_on="2030-03-04",
            capacity="0",
            address="",
            postal_code="",
            city="",
        ),
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "La fin de la session ne peut pas précéder son début." in content
    assert "supérieur à zéro" in content or "supérieure ou égale à 1" in content
    assert "Indiquez un lieu" in content
    assert not Session.objects.filter(code="ADM-S1").exists()


def test_day_outside_session_is_refused(client, catalogue_manager):
    """A day outside the session's dates is refused with a French message."""
    training = make_training()
    force_login_verified(client, catalogue_manager)
    response = client.post(
        reverse(ADD), _form_data(training, **{"days-0-date": "2030-04-01"})
    )
    assert response.status_code == 200
    assert "entre le début et la fin de la session" in response.content.decode()
    assert not Session.objects.filter(code="ADM-S1").exists()


def test_tutor_choices_are_limited_to_tutors(client, catalogue_manager):
    """The tutors field only offers users holding the tutor role."""
    tutor = UserFactory(roles=[Role.TUTOR])
    teacher = UserFactory(roles=[Role.TEACHER])
    force_login_verified(client, catalogue_manager)
    response = client.get(reverse(ADD))
    queryset = response.context["form"].fields["tutors"].queryset
    assert tutor in queryset and teacher not in queryset


def test_capacity_below_seats_taken_is_refused(client, catalogue_manager):
    """Lowering capacity below the seats taken is refused with a clear message."""
    training = make_training()
    session = make_session(training, capacity=10, code="ADM-S1")
    Session.objects.filter(pk=session.pk).update(seats_taken=6)
    force_login_verified(client, catalogue_manager)
    data = _form_data(
        training,
        capacity="4",
        starts_on=session.starts_on.isoformat(),
        ends_on=session.ends_on.isoformat(),
        registration_closes_at=session.registration_closes_at.strftime(
            "%Y-%m-%d %H:%M"
        ),
        **{"days-TOTAL_FORMS": "0"},
    )
    response = client.post(reverse(EDIT, args=[session.pk]), data)
    assert response.status_code == 200
    assert "6 inscriptions sont déjà acceptées" in response.content.decode()
    session.refresh_from_db()
    assert session.capacity == 10


def test_registrations_manager_views_but_cannot_add(client, registrations_manager):
    """A registrations manager sees the list but cannot create or change sessions."""
    training = make_training()
    session = make_session(training, capacity=10)
    force_login_verified(client, registrations_manager)
    assert client.get(reverse(INDEX)).status_code == 200
    assert client.get(reverse(ADD)).status_code in (302, 403)
    response = client.post(reverse(EDIT, args=[session.pk]), _form_data(training))
    assert response.status_code in (302, 403)
    session.refresh_from_db()
    assert session.capacity == 10 and session.code != "ADM-S1"


def test_teacher_cannot_reach_sessions_admin(client, teacher):
    """A teacher cannot open the sessions admin."""
    force_login_verified(client, teacher)
    response = client.get(reverse(INDEX))
    assert response.status_code in (302, 403)


def test_list_filters_by_training_with_bounded_queries(
    client, catalogue_manager, django_assert_max_num_queries
):
    """The list filtered by training shows its sessions with a bounded query count."""
    training = make_training(code="ADM-T1")
    other = make_training(code="ADM-T2")
    for _ in range(3):
        make_session(training)
    make_session(other, code="ADM-OTHER")
    force_login_verified(client, catalogue_manager)
    client.get(reverse(INDEX))  # warm per-process caches
    with django_assert_max_num_queries(25):
        response = client.get(sessions_url_for(training))
    assert response.status_code == 200
    content = response.content.decode()
    assert "ADM-T1-S" in content and "ADM-OTHER" not in content
    assert "0 / 20" in content
    for _ in range(10):
        make_session(training)
    with django_assert_max_num_queries(25):
        client.get(sessions_url_for(training))


def test_training_explorer_links_to_its_sessions(client, catalogue_manager):
    """The page explorer offers a "Sessions" link filtered on each training."""
    training = make_training(code="ADM-T1")
    force_login_verified(client, catalogue_manager)
    response = client.get(
        reverse("wagtailadmin_explore", args=[training.get_parent().pk])
    )
    assert response.status_code == 200
    assert sessions_url_for(training).replace("&", "&amp;") in response.content.decode()
    response = client.get(reverse("wagtailadmin_pages:edit", args=[training.pk]))
    assert sessions_url_for(training) in response.content.decode()


def test_session_with_registrations_cannot_be_deleted(client, catalogue_manager):
    """Deleting a session with registrations is refused with a French message."""
    from catalogue.models import Registration

    session = make_session(make_training())
    Registration.objects.create(
        session=session, user=UserFactory(), status=Registration.Status.PENDING
    )
    force_login_verified(client, catalogue_manager)
    response = client.post(
        reverse("catalogue_sessions:delete", args=[session.pk]), follow=True
    )
    assert "ne peut pas être supprimée" in response.content.decode()
    assert Session.objects.filter(pk=session.pk).exists()


def test_list_filters_by_month_and_province(client, catalogue_manager):
    """The month and province filters keep only matching sessions."""
    training = make_training()
    soon = make_session(training, starts_in_days=10)
    later = make_session(training, starts_in_days=200, postal_code="4000")
    force_login_verified(client, catalogue_manager)
    response = client.get(
        reverse(INDEX), {"month": soon.starts_on.strftime("%Y-%m"), "province": "namur"}
    )
    content = response.content.decode()
    assert soon.code in content and later.code not in content
    response = client.get(reverse(INDEX), {"province": "liege"})
    content = response.content.decode()
    assert later.code in content and soon.code not in content


def test_raising_capacity_of_full_session_promotes_waitlist(client, catalogue_manager):
    """Raising a full session's capacity in the admin promotes the waitlisted person."""
    from catalogue.models import Registration
    from catalogue.services import register_for_session

    training = make_training()
    session = make_session(training, capacity=1, code="ADM-S1")
    first, second = UserFactory(roles=[Role.TEACHER]), UserFactory(roles=[Role.TEACHER])
    register_for_session(first, session)
    waiting = register_for_session(second, session)
    session.refresh_from_db()
    assert waiting.status == Registration.Status.WAITLISTED
    assert session.status == Session.Status.FULL
    force_login_verified(client, catalogue_manager)
    data = _form_data(
        training,
        capacity="3",
        status="full",
        starts_on=session.starts_on.isoformat(),
        ends_on=session.ends_on.isoformat(),
        registration_closes_at=session.registration_closes_at.strftime(
            "%Y-%m-%d %H:%M"
        ),
        **{"days-TOTAL_FORMS": "0"},
    )
    response = client.post(reverse(EDIT, args=[session.pk]), data)
    assert response.status_code == 302
    waiting.refresh_from_db()
    session.refresh_from_db()
    assert waiting.status == Registration.Status.ACCEPTED
    assert (session.seats_taken, session.status) == (2, Session.Status.OPEN)


def test_cancelling_a_session_cancels_and_notifies_its_registrants(
    client,
    catalogue_manager,
    mailoutbox,
    django_capture_on_commit_callbacks,
    eager_tasks,
):
    """Cancelling a session in the admin cancels every registration and e-mails each person."""
    from catalogue.events import registration_cancelled
    from catalogue.models import Registration
    from catalogue.services import register_for_session

    training = make_training()
    session = make_session(training, capacity=1, code="ADM-S1")
    people = [UserFactory(roles=[Role.TEACHER]) for _ in range(2)]
    accepted, waiting = (register_for_session(person, session) for person in people)
    mailoutbox.clear()
    events = []

    def receiver(sender, event, **kwargs):
        events.append(event)

    registration_cancelled.connect(receiver, dispatch_uid="test-session-cancel")
    force_login_verified(client, catalogue_manager)
    data = _form_data(
        training,
        capacity="1",
        status="cancelled",
        starts_on=session.starts_on.isoformat(),
        ends_on=session.ends_on.isoformat(),
        registration_closes_at=session.registration_closes_at.strftime(
            "%Y-%m-%d %H:%M"
        ),
        **{"days-TOTAL_FORMS": "0"},
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse(EDIT, args=[session.pk]), data)
    finally:
        registration_cancelled.disconnect(dispatch_uid="test-session-cancel")
    assert response.status_code == 302
    for registration in (accepted, waiting):
        registration.refresh_from_db()
        assert registration.status == Registration.Status.CANCELLED
        assert registration.log.last().note == "La session a été annulée par l'IFPC."
    session.refresh_from_db()
    assert (session.status, session.seats_taken) == (Session.Status.CANCELLED, 0)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(p.email for p in people)
    assert [e.was_accepted for e in events] == [True, False]


def test_cancel_session_registrations_refuses_an_open_session(db):
    """Registrations are only mass-cancelled for a session that is cancelled."""
    from catalogue.errors import RegistrationError
    from catalogue.services import cancel_session_registrations

    session = make_session(make_training())
    with pytest.raises(RegistrationError):
        cancel_session_registrations(session, actor=None)
