"""Builders for catalogue page trees, sessions and registrations in tests.

Pages are added to the tree with Wagtail's API (``add_child``) and published
with a revision, as the admin does; ``live=False`` leaves a draft.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from catalogue.models import (
    AudienceFunction,
    CatalogueIndexPage,
    EducationLevel,
    Modality,
    Session,
    SessionDay,
    TrackPage,
    TrackStep,
    TrainingPage,
)
from catalogue.reference import site_root
from catalogue.search import refresh_training_entry
from lms.models import Competence

_codes = itertools.count(1)


def catalogue_index() -> CatalogueIndexPage:
    """The catalogue index page (created under the site root on first use)."""
    existing = CatalogueIndexPage.objects.first()
    if existing:
        return existing
    root = site_root()
    index = CatalogueIndexPage(title="Catalogue des formations", slug="formations")
    root.add_child(instance=index)
    index.save_revision().publish()
    return index


def make_training(
    *,
    title: str = "Intégrer le numérique en classe",
    code: str | None = None,
    summary: str = "Une formation pour découvrir des usages numériques en classe.",
    modality: str = Modality.HYBRID,
    levels: list[str] = (),
    audiences: list[str] = ("enseignant",),
    competences: list[str] = (),
    sync_hours: Decimal | int = 6,
    async_hours: Decimal | int = 4,
    live: bool = True,
    **fields: Any,
) -> TrainingPage:
    """A training page under the catalogue index, published unless ``live=False``."""
    index = catalogue_index()
    page = TrainingPage(
        title=title,
        code=code or f"TST-{next(_codes):05d}",
        summary=summary,
        modality=modality,
        sync_hours=Decimal(sync_hours),
        async_hours=Decimal(async_hours),
        **fields,
    )
    page.levels = list(EducationLevel.objects.filter(code__in=levels))
    page.audiences = list(AudienceFunction.objects.filter(code__in=audiences))
    page.competences = list(Competence.objects.filter(code__in=competences))
    page.live = False
    index.add_child(instance=page)
    revision = page.save_revision()
    if live:
        revision.publish()
        page.refresh_from_db()
        # The publication signal refreshes the search row after commit, which
        # never comes inside a test transaction: refresh it now.
        refresh_training_entry(page.pk)
    return page


def make_session(
    training: TrainingPage,
    *,
    starts_in_days: int = 30,
    length_days: int = 1,
    capacity: int = 20,
    status: str = Session.Status.OPEN,
    policy: str = Session.Policy.AUTOMATIC,
    has_waitlist: bool = True,
    postal_code: str = "5000",
    is_online: bool = False,
    **fields: Any,
) -> Session:
    """A session of ``training`` with one day per calendar day, open by default."""
    today = timezone.localdate()
    starts_on = today + dt.timedelta(days=starts_in_days)
    ends_on = starts_on + dt.timedelta(days=length_days - 1)
    closes = timezone.make_aware(
        dt.datetime.combine(starts_on - dt.timedelta(days=1), dt.time(23, 0))
    )
    session = Session(
        training=training,
        code=fields.pop("code", f"{training.code}-S{next(_codes)}"),
        starts_on=starts_on,
        ends_on=ends_on,
        capacity=capacity,
        status=status,
        policy=policy,
        has_waitlist=has_waitlist,
        is_online=is_online,
        postal_code="" if is_online else postal_code,
        address="" if is_online else "Rue de la Formation 1",
        city="" if is_online else "Namur",
        registration_closes_at=fields.pop("registration_closes_at", closes),
        **fields,
    )
    session.derive_place()
    session.full_clean()
    session.save()
    for offset in range(length_days):
        SessionDay.objects.create(
            session=session,
            date=starts_on + dt.timedelta(days=offset),
            start_time=dt.time(9, 0),
            end_time=dt.time(16, 0),
        )
    refresh_training_entry(training.pk)
    return session


def make_track(
    *,
    title: str,
    trainings: list[TrainingPage],
    sessions: list[Session | None] = (),
    audiences: list[str] = (),
    code: str | None = None,
    live: bool = True,
) -> TrackPage:
    """A track whose steps are ``trainings`` (with optional fixed ``sessions``)."""
    index = catalogue_index()
    track = TrackPage(
        title=title,
        code=code or f"PAR-{next(_codes):05d}",
        summary="Un parcours de formation.",
    )
    sessions = list(sessions) + [None] * (len(trainings) - len(sessions))
    track.steps = [
        TrackStep(training=t, session=s, sort_order=i)
        for i, (t, s) in enumerate(zip(trainings, sessions, strict=True))
    ]
    track.eligible_audiences = list(AudienceFunction.objects.filter(code__in=audiences))
    track.live = False
    index.add_child(instance=track)
    revision = track.save_revision()
    if live:
        revision.publish()
        track.refresh_from_db()
    return track
