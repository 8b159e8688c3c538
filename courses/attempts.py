"""Starting, resuming and closing a learner's attempts at a SCORM or H5P activity.

An attempt pins the package it started on, so replacing an activity's package
never breaks attempts in flight (new attempts get the new package). At most one
attempt per learner and activity is open (a partial unique constraint); the
latest attempt is the one played.

``Activity.attempt_policy`` decides when a new attempt starts:

* ``never`` — the latest attempt is always reused, even closed: a closed
  attempt opens in review mode (no credit, see ``tracking.selectors``);
* ``on_request`` — a new attempt only when the learner asks (``new=True``) and
  the latest one is finished;
* ``always`` — a new attempt as soon as the latest one is finished.

An attempt is *finished* when it is closed or when every SCO of its package
(the H5P content) reports completion. A final commit with a normal exit on a
finished attempt closes it (``close_attempt_if_finished``).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Activity, Attempt, Package, ScoState
from courses.tracking.selectors import H5P_SCO, sco_rules

logger = logging.getLogger(__name__)

Policy = Activity.AttemptPolicy
_RETRIES = 3


def required_scos(package: Package) -> set[str]:
    """The SCOs whose completion finishes an attempt on ``package``."""
    if package.standard == Package.Standard.H5P:
        return {H5P_SCO}
    return set(sco_rules(package))


def is_attempt_finished(attempt: Attempt) -> bool:
    """Closed, or every required SCO completed (one query when open)."""
    if attempt.is_closed:
        return True
    completed = set(
        ScoState.objects.filter(
            attempt=attempt, completion_status="completed"
        ).values_list("sco_identifier", flat=True)
    )
    required = required_scos(attempt.package)
    if not required:
        return bool(completed)
    return required <= completed


def close_attempt_if_finished(attempt: Attempt) -> bool:
    """Close ``attempt`` when it is finished; True when this call closed it.

    Call inside the transaction that made it finished.
    """
    if attempt.is_closed or not is_attempt_finished(attempt):
        return False
    now = timezone.now()
    updated = Attempt.objects.filter(pk=attempt.pk, is_closed=False).update(
        is_closed=True, closed_at=now, updated_at=now
    )
    attempt.is_closed, attempt.closed_at = True, now
    return bool(updated)


def _create(user: Any, activity: Activity, number: int) -> Attempt:
    package = activity.package
    if package is None or package.status != Package.Status.READY:
        raise ValidationError(
            _("Cette activité n'a pas encore de contenu prêt à être joué.")
        )
    now = timezone.now()
    return Attempt.objects.create(
        user=user,
        activity=activity,
        package=package,
        number=number,
        last_activity_at=now,
    )


def _replace(user: Any, activity: Activity, latest: Attempt) -> Attempt:
    if not latest.is_closed:
        now = timezone.now()
        Attempt.objects.filter(pk=latest.pk).update(
            is_closed=True, closed_at=now, updated_at=now
        )
    attempt = _create(user, activity, latest.number + 1)
    logger.info(
        "attempt %s started (number %s) on activity %s",
        attempt.uuid,
        attempt.number,
        activity.pk,
    )
    return attempt


def _start_or_resume(user: Any, activity: Activity, *, new: bool) -> Attempt:
    latest = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("package")
        .filter(user=user, activity=activity)
        .order_by("-number")
        .first()
    )
    if latest is None:
        return _create(user, activity, 1)
    policy = activity.attempt_policy
    if new:
        if policy == Policy.NEVER:
            raise ValidationError(
                _("Cette activité ne permet pas de nouvelle tentative.")
            )
        if not is_attempt_finished(latest):
            raise ValidationError(
                _("Terminez la tentative en cours avant d'en commencer une nouvelle.")
            )
        return _replace(user, activity, latest)
    if policy == Policy.ALWAYS and is_attempt_finished(latest):
        return _replace(user, activity, latest)
    return latest


def start_or_resume_attempt(
    user: Any, activity: Activity, *, new: bool = False
) -> Attempt:
    """The attempt ``user`` plays on ``activity`` now, created when needed.

    Follows ``activity.attempt_policy`` (see the module docstring); a new attempt
    pins ``activity.package``. Race-safe: the latest attempt is locked, and a
    concurrent creation (unique number / one open attempt) is retried and then
    read. Raises ``ValidationError`` (French message) when ``new=True`` is not
    allowed, or when an attempt must be created and the activity has no READY
    package.
    """
    for _attempt in range(_RETRIES):
        try:
            with transaction.atomic():
                return _start_or_resume(user, activity, new=new)
        except IntegrityError:
            # Another request created or replaced the attempt first: read again.
            logger.info("attempt race on activity %s, retrying", activity.pk)
            if new:
                # The concurrent request already started the new attempt.
                new = False
    with transaction.atomic():
        return _start_or_resume(user, activity, new=new)
