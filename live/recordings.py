"""Recordings of virtual classes: fetched with ``getRecordings``, shown to the cohort.

``sync_recordings`` upserts ``Recording`` rows by ``record_id`` (a tutor's
"hidden" choice is kept); ``BbbUnavailable`` propagates so the task retries.
``visible_recordings`` is what a person may see: tutors everything, active
learners the published recordings not hidden.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.admin.models import CHANGE
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from lms import audit

from .bbb import client_for
from .models import Recording, VirtualClass
from .permissions import is_learner_of, is_tutor_of

logger = logging.getLogger(__name__)


def sync_recordings(virtual_class: VirtualClass) -> list[Recording]:
    """Fetch the class's recordings from BBB and store them (idempotent)."""
    infos = client_for(virtual_class).get_recordings(virtual_class.meeting_id)
    result = []
    with transaction.atomic():
        for info in infos:
            if info.meeting_id and info.meeting_id != virtual_class.meeting_id:
                continue
            minutes = info.length_minutes
            recording, _created = Recording.objects.update_or_create(
                record_id=info.record_id[:200],
                defaults={
                    "virtual_class": virtual_class,
                    "name": info.name[:300],
                    "state": info.state[:20],
                    "is_published": info.published,
                    "playback_format": info.playback_format[:40],
                    "playback_url": info.playback_url[:1000],
                    "duration_minutes": minutes if minutes is not None else None,
                    "started_at": info.start_time,
                    "ended_at": info.end_time,
                    "participants": info.participants,
                },
            )
            result.append(recording)
        VirtualClass.objects.filter(pk=virtual_class.pk).update(
            recordings_synced_at=timezone.now()
        )
    logger.info("class=%s recordings synced: %s", virtual_class.pk, len(result))
    return result


def visible_recordings(
    virtual_class: VirtualClass, *, as_tutor: bool
) -> QuerySet[Recording]:
    queryset = virtual_class.recordings.all()
    if not as_tutor:
        queryset = queryset.filter(is_hidden=False, is_published=True)
    return queryset


def can_open(user: Any, recording: Recording) -> bool:
    virtual_class = recording.virtual_class
    if is_tutor_of(user, virtual_class):
        return True
    return (
        recording.is_published
        and not recording.is_hidden
        and bool(recording.playback_url)
        and is_learner_of(user, virtual_class)
    )


def set_hidden(recording: Recording, *, hidden: bool, by: Any) -> None:
    if recording.is_hidden == hidden:
        return
    recording.is_hidden = hidden
    recording.save(update_fields=["is_hidden", "updated_at"])
    audit.record(
        by,
        [recording],
        CHANGE,
        "recording hidden" if hidden else "recording shown",
        logger=logger,
    )
