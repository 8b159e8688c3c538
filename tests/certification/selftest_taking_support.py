"""Helpers for the self-test page, API and profile tests (taking part)."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from certification.models import Attempt, CompetenceEstimate, Item
from certification.selftest.bank import bump_bank_version
from lms.models import Competence
from tests.factories.selftest import correct_payload, make_bank, make_blueprint

ATTEMPT_URL = "/certification/autotest/passages/{}/"


def bank_and_blueprint(**fields):
    """Two competences (2.1, 2.2), 18 calibrated items each; a fresh blueprint."""
    make_bank()
    bump_bank_version()
    return make_blueprint(**fields)


def to_places(options, payload):
    """Option ids (as ``correct_payload`` gives them) → the places the page shows."""
    places = {pk: place for place, (pk, _text) in enumerate(options, start=1)}
    if isinstance(payload, list):
        return [places[pk] for pk in payload]
    if isinstance(payload, int):
        return places[payload]
    return payload


def form_data(item: Item, payload) -> dict:
    """The item form's fields for ``payload`` (places, or a numeric string)."""
    if item.item_type == Item.Type.ORDERING:
        return {f"position_{i}": str(pk) for i, pk in enumerate(payload, start=1)}
    if item.item_type == Item.Type.MULTIPLE_CHOICE:
        return {"answer": [str(pk) for pk in payload]}
    return {"answer": str(payload)}


def answer_page(client, attempt_uuid, *, right=True):
    """Load the item page, answer it through the form; returns the POST response."""
    page = client.get(ATTEMPT_URL.format(attempt_uuid))
    served = page.context["served"]
    payload = correct_payload(served.item) if right else _wrong(served.item)
    data = {"order": served.order, "lock_token": served.lock_token}
    data.update(form_data(served.item, to_places(served.options, payload)))
    return client.post(ATTEMPT_URL.format(attempt_uuid) + "repondre/", data)


def _wrong(item: Item):
    options = list(item.options.all())
    if item.item_type == Item.Type.SINGLE_CHOICE:
        return next(o.pk for o in options if not o.is_correct)
    if item.item_type == Item.Type.MULTIPLE_CHOICE:
        return [o.pk for o in options if not o.is_correct]
    if item.item_type == Item.Type.ORDERING:
        return list(reversed(correct_payload(item)))
    return "7"


def take_through_pages(client, attempt_uuid, *, right=True, limit=60) -> int:
    """Answer until the test ends; returns the number of answers."""
    steps = 0
    while True:
        response = answer_page(client, attempt_uuid, right=right)
        assert response.status_code == 302, response.content[:500]
        steps += 1
        assert steps < limit
        if response["Location"].endswith("/resultat/"):
            return steps


def completed_attempt(user, blueprint, estimates, *, days_ago=0) -> Attempt:
    """A completed sitting built directly: ``estimates`` maps code → (θ, SE, level)."""
    completed_at = timezone.now() - dt.timedelta(days=days_ago)
    attempt = Attempt.objects.create(
        user=user,
        blueprint=blueprint,
        status=Attempt.Status.COMPLETED,
        seed="0" * 32,
        completed_at=completed_at,
        result={"mode": "profile", "competences": [], "areas": []},
    )
    competences = {c.code: c for c in Competence.objects.filter(code__in=estimates)}
    for code, (theta, se, level) in estimates.items():
        CompetenceEstimate.objects.create(
            attempt=attempt,
            competence=competences[code],
            theta=theta,
            se=se,
            n_items=6,
            level=level,
            confidence=0.7,
            range_low=level,
            range_high=level,
            is_precise=True,
            has_provisional_cuts=True,
        )
    return attempt


def chart_levels(html: str) -> dict[str, str]:
    """Competence → rank, as drawn in the SVG chart."""
    svg = html[html.index("<svg") : html.index("</svg>")]
    return dict(re.findall(r'data-competence="([\d.]+)" data-rank="(\d)"', svg))


def table_levels(html: str, table_id: str) -> dict[str, str]:
    """Competence → rank, as listed in the data table ``table_id``."""
    start = html.index(f'id="{table_id}"')
    table = html[start : html.index("</table>", start)]
    return dict(re.findall(r'data-competence="([\d.]+)" data-rank="(\d)"', table))
