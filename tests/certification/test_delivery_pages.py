"""The staff page of deliveries to the staff space: dead letters, filters, retry."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse
from django.utils import timezone

from certification.models import AttestationEvent, Delivery
from lms.roles import Role
from tests.factories import UserFactory
from tests.two_factor_support import force_login_verified

from . import delivery_support
from .delivery_support import issued

pytestmark = pytest.mark.django_db

_no_broker = delivery_support._no_broker
PAGE = reverse("certification:deliveries")
State = Delivery.State


def _dead(attestations, *, status: int = 422, error: str = "Refus 422 : champ") -> None:
    Delivery.objects.filter(attestation__in=attestations).update(
        state=State.DEAD,
        attempts=1,
        first_attempt_at=timezone.now(),
        last_status_code=status,
        last_error=error,
    )


@pytest.mark.parametrize("role", [Role.TEACHER, Role.TUTOR, Role.CTP])
def test_the_page_is_refused_to_people_outside_ifpc_staff(client, role):
    """Teachers, tutors and CTPs get 403 on the page and on retries."""
    (attestation,) = issued()
    _dead([attestation])
    force_login_verified(client, UserFactory(roles=[role]))
    assert client.get(PAGE).status_code == 403
    row = Delivery.objects.get()
    url = reverse("certification:delivery_retry", args=[row.pk])
    assert client.post(url).status_code == 403
    assert client.post(reverse("certification:delivery_retry_all")).status_code == 403
    row.refresh_from_db()
    assert row.state == State.DEAD


def test_anonymous_visitors_are_sent_to_login(client):
    """Without a session, the page redirects to the login page."""
    response = client.get(PAGE)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize(
    "role", [Role.CATALOGUE_MANAGER, Role.REGISTRATIONS_MANAGER, Role.ADMINISTRATOR]
)
def test_ifpc_staff_see_the_dead_letters_by_default(client, role):
    """The default view lists dead letters with their error and a retry button."""
    dead, pending = issued(2, matricule="")[0], issued()[0]
    _dead([dead], status=401, error="Refus 401 : jeton refusé (unauthorized)")
    force_login_verified(client, UserFactory(roles=[role]))
    html = client.get(PAGE).text
    assert dead.holder_name in html
    assert pending.holder_name not in html
    assert "HTTP 401" in html
    assert "jeton refusé" in html
    assert "Sans matricule" in html
    assert (
        reverse("certification:delivery_retry", args=[dead.deliveries.get().pk]) in html
    )
    assert "En échec, à relancer (1)" in html
    assert "En attente (2)" in html


def test_filter_by_state_and_search(client, catalogue_manager):
    """The state filter and the search by holder or training code narrow the list."""
    first, second = issued(2)
    other = issued()[0]
    _dead([first, second, other])
    force_login_verified(client, catalogue_manager)
    html = client.get(PAGE, {"q": first.holder_name}).text
    assert first.holder_name in html and second.holder_name not in html
    html = client.get(PAGE, {"q": other.training_code}).text
    assert other.holder_name in html and first.holder_name not in html
    html = client.get(PAGE, {"state": "pending"}).text
    assert "Aucune livraison en attente." in html
    html = client.get(PAGE, {"state": "bogus"}).text
    assert first.holder_name in html  # unknown state: the dead letters


def test_the_list_has_a_fixed_query_count(
    client, catalogue_manager, django_assert_num_queries
):
    """Three or twelve rows: the same number of queries."""
    _dead(issued(3))
    force_login_verified(client, catalogue_manager)
    client.get(PAGE)
    with django_assert_num_queries(7):  # +1: 2FA device
        assert client.get(PAGE).status_code == 200
    _dead(issued(9))
    with django_assert_num_queries(7):  # +1: 2FA device
        html = client.get(PAGE).text
    assert html.count('aria-label="Relancer la livraison de') == 12


def test_the_list_is_paginated(client, catalogue_manager, settings):
    """Past 50 rows the list has a next page."""
    _dead(issued(51))
    force_login_verified(client, catalogue_manager)
    assert "Page 1 sur 2" in client.get(PAGE).text
    assert "Page 2 sur 2" in client.get(PAGE, {"page": 2}).text


def test_retry_sends_a_dead_letter_back_to_pending(client, catalogue_manager):
    """The retry button makes the row due now, with an event and an audit entry."""
    (attestation,) = issued()
    _dead([attestation])
    row = attestation.deliveries.get()
    force_login_verified(client, catalogue_manager)
    url = reverse("certification:delivery_retry", args=[row.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"back": PAGE + "?state=dead&q=x"})
    assert response.status_code == 302
    assert response["Location"] == PAGE + "?state=dead&q=x"
    row.refresh_from_db()
    assert row.state == State.PENDING
    assert row.next_attempt_at <= timezone.now()
    assert row.first_attempt_at is None
    assert attestation.events.filter(
        kind=AttestationEvent.Kind.DELIVERY_RETRIED, actor=catalogue_manager
    ).exists()
    assert LogEntry.objects.filter(
        object_id=str(attestation.pk), action_flag=CHANGE, user=catalogue_manager
    ).exists()
    again = client.post(url, follow=True)
    assert "rien à relancer" in again.text


def test_retry_refuses_an_outside_back_address(client, catalogue_manager):
    """A ``back`` to another site is ignored: the list is shown instead."""
    (attestation,) = issued()
    _dead([attestation])
    force_login_verified(client, catalogue_manager)
    url = reverse(
        "certification:delivery_retry", args=[attestation.deliveries.get().pk]
    )
    response = client.post(url, {"back": "https://evil.example/"})
    assert response["Location"].startswith(PAGE)


def test_retry_of_an_unknown_row_is_404(client, catalogue_manager):
    """A missing delivery answers 404."""
    force_login_verified(client, catalogue_manager)
    url = reverse("certification:delivery_retry", args=[999999])
    assert client.post(url).status_code == 404


def test_retry_all_retries_the_dead_letters_of_the_search(client, administrator):
    """Retry all sends back every dead letter matching the search, not the others."""
    matching, other = issued(), issued()
    _dead(matching + other)
    force_login_verified(client, administrator)
    code = matching[0].training_code
    response = client.post(
        reverse("certification:delivery_retry_all"), {"q": code}, follow=True
    )
    assert "1 livraison relancée." in response.text
    states = dict(Delivery.objects.values_list("attestation_id", "state"))
    assert states == {matching[0].pk: State.PENDING, other[0].pk: State.DEAD}


def test_the_staff_navigation_links_to_the_page(client, catalogue_manager, teacher):
    """IFPC staff have the navigation item; teachers do not."""
    force_login_verified(client, catalogue_manager)
    assert f'href="{PAGE}"' in client.get(PAGE).text
    force_login_verified(client, teacher)
    assert f'href="{PAGE}"' not in client.get(reverse("lms:dashboard")).text


def test_empty_state_when_nothing_failed(client, catalogue_manager):
    """No dead letter: a reassuring empty state, no retry-all button."""
    force_login_verified(client, catalogue_manager)
    html = client.get(PAGE).text
    assert "Aucune livraison en échec" in html
    assert reverse("certification:delivery_retry_all") not in html
