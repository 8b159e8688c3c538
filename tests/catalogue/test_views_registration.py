"""Teacher registration pages: confirm and register, cancel, "Mes inscriptions", .ics."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from catalogue import services
from catalogue.models import Registration, Session, TrackRegistration
from lms.roles import Role
from tests.factories.catalogue import make_session, make_track, make_training

from .builders_registrations import open_session, teacher_user, user_with
from .ics_parsing import parse

pytestmark = pytest.mark.django_db
Status = Registration.Status


def register_url(session: Session) -> str:
    return reverse("catalogue:session_register", args=[session.pk])


def test_confirm_page_shows_session_facts(client):
    """The confirm page shows the training, dates, place and seats left."""
    session = open_session(capacity=12, title="Classe inversée")
    client.force_login(teacher_user())
    response = client.get(register_url(session))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Classe inversée" in content
    assert session.code in content
    assert "12 places sur 12" in content
    assert "Namur" in content
    assert 'name="csrfmiddlewaretoken"' in content
    assert "public visé" not in content


def test_confirm_page_warns_about_audience_mismatch(client):
    """A teacher sees a warning before registering to a CTP training."""
    session = open_session(audiences=("ctp",))
    client.force_login(teacher_user())
    content = client.get(register_url(session)).content.decode()
    assert "Vous ne faites pas partie du public visé" in content
    assert "malgré tout" in content


def test_confirm_page_asks_motivation_for_manual_policy(client):
    """Manual sessions show a labelled motivation field."""
    session = open_session(policy=Session.Policy.MANUAL)
    client.force_login(teacher_user())
    content = client.get(register_url(session)).content.decode()
    assert '<label for="id_motivation">' in content


def test_anonymous_is_sent_to_login(client):
    """Registering needs an account."""
    session = open_session()
    response = client.get(register_url(session))
    assert response.status_code == 302
    assert "login" in response["Location"] or "connexion" in response["Location"]


def test_post_registers_and_redirects(client):
    """POST registers the person and redirects to "Mes inscriptions"."""
    session = open_session(capacity=3)
    teacher = teacher_user()
    client.force_login(teacher)
    response = client.post(register_url(session))
    assert response.status_code == 302
    assert response["Location"] == reverse("catalogue:my_registrations")
    registration = Registration.objects.get(user=teacher)
    assert registration.status == Status.ACCEPTED


def test_double_submit_keeps_one_registration(client):
    """Submitting twice keeps one registration and one seat."""
    session = open_session(capacity=3)
    teacher = teacher_user()
    client.force_login(teacher)
    client.post(register_url(session))
    response = client.post(register_url(session), follow=True)
    assert "déjà inscrit" in response.content.decode()
    assert Registration.objects.filter(user=teacher).count() == 1
    session.refresh_from_db()
    assert session.seats_taken == 1


def test_post_without_csrf_is_refused(client):
    """The registration form is protected by CSRF."""
    from django.test import Client

    session = open_session()
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(teacher_user())
    response = csrf_client.post(register_url(session))
    assert response.status_code == 403
    assert not Registration.objects.exists()


def test_post_to_closed_session_shows_french_error(client):
    """A refused registration re-renders the page with the French reason."""
    session = open_session(status=Session.Status.CLOSED)
    client.force_login(teacher_user())
    response = client.post(register_url(session))
    assert response.status_code == 400
    assert "clôturées" in response.content.decode()


def test_cancelled_session_is_not_found(client):
    """A cancelled session has no registration page."""
    session = open_session(status=Session.Status.CANCELLED)
    client.force_login(teacher_user())
    assert client.get(register_url(session)).status_code == 404


def test_my_registrations_lists_own_only(client):
    """ "Mes inscriptions" lists the person's registrations, not others'."""
    mine = open_session(title="Ma formation")
    other = open_session(title="La formation d'un autre")
    teacher = teacher_user()
    services.register_for_session(teacher, mine)
    services.register_for_session(teacher_user(), other)
    client.force_login(teacher)
    content = client.get(reverse("catalogue:my_registrations")).content.decode()
    assert "Ma formation" in content
    assert "La formation d&#x27;un autre" not in content
    assert "Acceptée" in content
    assert reverse("catalogue:registration_ics", args=[1]).split("1/")[0] in content


def test_my_registrations_empty_state(client):
    """Without registrations the page says so."""
    client.force_login(teacher_user())
    content = client.get(reverse("catalogue:my_registrations")).content.decode()
    assert "Vous n'êtes inscrit·e à aucune session" in content


def test_my_registrations_query_count_is_bounded(client, django_assert_max_num_queries):
    """The list costs the same number of queries for 3 or 15 registrations."""
    teacher = teacher_user()
    for _ in range(3):
        services.register_for_session(teacher, open_session())
    client.force_login(teacher)
    url = reverse("catalogue:my_registrations")
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(12):
        services.register_for_session(teacher, open_session())
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
    with django_assert_max_num_queries(15):
        client.get(url)


def test_cancel_flow_with_confirmation(client):
    """GET asks for confirmation; POST cancels and redirects."""
    session = open_session()
    teacher = teacher_user()
    registration = services.register_for_session(teacher, session)
    client.force_login(teacher)
    url = reverse("catalogue:registration_cancel", args=[registration.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Oui, annuler mon inscription" in page.content.decode()
    response = client.post(url)
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == Status.CANCELLED


def test_cannot_cancel_someone_elses_registration(client):
    """Another person's registration answers 404 and stays active."""
    registration = services.register_for_session(teacher_user(), open_session())
    client.force_login(teacher_user())
    url = reverse("catalogue:registration_cancel", args=[registration.pk])
    assert client.post(url).status_code == 404
    assert client.get(url).status_code == 404
    registration.refresh_from_db()
    assert registration.status == Status.ACCEPTED


def test_cancel_after_deadline_shows_error(client):
    """Past the deadline the teacher gets the French reason and stays registered."""
    session = open_session()
    teacher = teacher_user()
    registration = services.register_for_session(teacher, session)
    Session.objects.filter(pk=session.pk).update(
        cancellation_deadline=timezone.now() - dt.timedelta(hours=1)
    )
    client.force_login(teacher)
    url = reverse("catalogue:registration_cancel", args=[registration.pk])
    response = client.post(url, follow=True)
    assert "date limite de désinscription" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == Status.ACCEPTED


def test_cancel_redirect_ignores_foreign_next(client):
    """An external ``next`` is ignored (no open redirect)."""
    teacher = teacher_user()
    registration = services.register_for_session(teacher, open_session())
    client.force_login(teacher)
    url = reverse("catalogue:registration_cancel", args=[registration.pk])
    response = client.post(url, {"next": "https://evil.example/"})
    assert response["Location"] == reverse("catalogue:my_registrations")


def test_ics_download_for_own_accepted_registration(client):
    """An accepted registration's calendar downloads as a valid .ics."""
    teacher = teacher_user()
    registration = services.register_for_session(teacher, open_session())
    client.force_login(teacher)
    response = client.get(reverse("catalogue:registration_ics", args=[registration.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    assert len(parse(response.content.decode())["events"]) == 1


def test_ics_of_others_or_pending_is_not_found(client):
    """No calendar for someone else's or a not accepted registration."""
    teacher = teacher_user()
    other = services.register_for_session(teacher_user(), open_session())
    pending = services.register_for_session(
        teacher, open_session(policy=Session.Policy.MANUAL)
    )
    client.force_login(teacher)
    for registration in (other, pending):
        url = reverse("catalogue:registration_ics", args=[registration.pk])
        assert client.get(url).status_code == 404


def test_track_register_page_and_post(client):
    """A CTP registers to a track; steps without a session stay to choose."""
    first, second = make_training(title="Étape A"), make_training(title="Étape B")
    fixed = make_session(first)
    track = make_track(
        title="Haute expertise",
        trainings=[first, second],
        sessions=[fixed, None],
        audiences=["ctp"],
    )
    ctp = user_with(Role.CTP)
    client.force_login(ctp)
    url = reverse("catalogue:track_register", args=[track.pk])
    page = client.get(url).content.decode()
    assert "session à choisir plus tard" in page
    response = client.post(url)
    assert response.status_code == 302
    assert TrackRegistration.objects.filter(user=ctp).count() == 1
    listing = client.get(reverse("catalogue:my_registrations")).content.decode()
    assert "Haute expertise" in listing
    assert "session à choisir" in listing


def test_track_register_refuses_ineligible_teacher(client):
    """A teacher sees the track is reserved and a POST is refused in French."""
    track = make_track(title="Réservé", trainings=[make_training()], audiences=["ctp"])
    client.force_login(teacher_user())
    url = reverse("catalogue:track_register", args=[track.pk])
    assert "réservé aux fonctions" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 400
    assert not TrackRegistration.objects.exists()


def test_dashboard_panel_and_navigation(client):
    """The dashboard shows "Mes inscriptions" with the next registrations."""
    teacher = teacher_user()
    services.register_for_session(teacher, open_session(title="Débuter avec Moodle"))
    client.force_login(teacher)
    content = client.get(reverse("lms:dashboard")).content.decode()
    assert "Mes inscriptions" in content
    assert "Débuter avec Moodle" in content
    assert reverse("catalogue:my_registrations") in content
