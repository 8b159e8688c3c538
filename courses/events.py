"""Domain events sent by ``courses``; higher apps (tutoring, certification) subscribe.

``activity_completion_changed``
    Sent after the transaction commits whenever a learner's ``ActivityProgress``
    changes state, score or pass/fail. ``sender`` is ``ActivityProgress``; the
    keyword argument ``event`` is an :class:`ActivityCompletionChanged`.
    Subscribe in ``AppConfig.ready()`` with a ``dispatch_uid``; a handler calls one
    service or enqueues one task.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.dispatch import Signal

activity_completion_changed = Signal()


@dataclass(frozen=True, slots=True)
class ActivityCompletionChanged:
    user_id: int
    activity_id: int
    course_id: int
    previous_state: str
    state: str
    score: Decimal | None
    is_passed: bool | None
    completed_at: datetime | None
    course_progress_percent: int
