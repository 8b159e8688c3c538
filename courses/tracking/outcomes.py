"""What a SCO's CMI data means for the LMS: completion, success and score.

Both standards are normalised to SCORM 2004's vocabulary:
``completion`` ∈ {completed, incomplete, not attempted, unknown} and
``success`` ∈ {passed, failed, unknown}.

* SCORM 1.2 folds both into ``cmi.core.lesson_status``: completed → completed;
  passed → completed + passed; failed → completed + failed (as Rustici and most
  LMSs read it); incomplete/browsed → incomplete. With a mastery score and a raw
  score and no explicit passed/failed, the LMS decides (RTE 3.4.2.1.7): raw ≥
  mastery → passed; below it → failed once the SCO says completed.
* SCORM 2004 (RTE 4.2.4.1, 4.2.22): with a completion threshold and a progress
  measure, completion is measured; with a scaled passing score and a scaled
  score, success is measured; otherwise the SCO's statuses stand.

Within an attempt statuses are **monotonic** (``merge_status``): completion
never regresses, passed never turns into failed, a known success never goes back
to unknown. Scores are not: late or lower scores are accepted as the SCO sends
them (the learner's best is kept by ``courses.progress``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from courses.tracking.cmi import SCORM_12

_CENT = Decimal("0.01")

COMPLETION_RANK = {
    "": 0,
    "unknown": 0,
    "not attempted": 0,
    "incomplete": 1,
    "completed": 2,
}
SUCCESS_RANK = {"": 0, "unknown": 0, "failed": 1, "passed": 2}
# SCORM 1.2 lesson_status: completed and failed are the same step (both mean the
# learner finished); passed is final.
LESSON_STATUS_RANK = {
    "": 0,
    "not attempted": 0,
    "browsed": 1,
    "incomplete": 1,
    "completed": 2,
    "failed": 2,
    "passed": 3,
}
#: CMI elements whose value only moves forward within an attempt.
MONOTONIC_ELEMENTS = {
    "cmi.core.lesson_status": LESSON_STATUS_RANK,
    "cmi.completion_status": COMPLETION_RANK,
    "cmi.success_status": SUCCESS_RANK,
}


def merge_status(ranks: dict[str, int], old: str, new: str) -> str:
    """``new`` unless it would move a monotonic status backwards."""
    return new if ranks.get(new, 0) >= ranks.get(old, 0) else old


@dataclass(frozen=True, slots=True)
class ScoRules:
    """What the manifest says about one SCO (``Package.structure["scos"]``)."""

    identifier: str
    title: str = ""
    #: SCORM 1.2: 0–100 (``adlcp:masteryscore``).
    mastery_score: float | None = None
    #: SCORM 2004: -1–1 (``imsss:minNormalizedMeasure`` when satisfied by measure).
    scaled_passing_score: float | None = None
    #: SCORM 2004: 0–1 (``adlcp:completionThreshold``).
    completion_threshold: float | None = None
    launch_data: str = ""
    max_time_allowed: str = ""
    time_limit_action: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    completion: str = "not attempted"
    success: str = "unknown"
    score_raw: float | None = None
    score_min: float | None = None
    score_max: float | None = None
    score_scaled: float | None = None

    @property
    def is_completed(self) -> bool:
        return self.completion == "completed"

    @property
    def passed(self) -> bool | None:
        return {"passed": True, "failed": False}.get(self.success)

    @property
    def score_percent(self) -> Decimal | None:
        return score_percent(
            self.score_raw, self.score_min, self.score_max, self.score_scaled
        )


def to_float(value: str | None) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def score_percent(
    raw: float | None,
    minimum: float | None,
    maximum: float | None,
    scaled: float | None,
) -> Decimal | None:
    """A score as 0–100: scaled × 100, else raw within [min, max], else raw."""
    if scaled is not None:
        value = scaled * 100
    elif raw is None:
        return None
    elif maximum is not None and maximum > (minimum or 0):
        low = minimum or 0
        value = (raw - low) / (maximum - low) * 100
    elif 0 <= raw <= 100:
        value = raw
    else:
        return None
    clamped = min(max(value, 0.0), 100.0)
    return Decimal(str(clamped)).quantize(_CENT, rounding=ROUND_HALF_UP)


def derive_outcome(standard: str, cmi: dict[str, str], rules: ScoRules) -> Outcome:
    """The normalised outcome of a SCO from its merged CMI elements."""
    if standard == SCORM_12:
        raw = to_float(cmi.get("cmi.core.score.raw"))
        minimum = to_float(cmi.get("cmi.core.score.min"))
        maximum = to_float(cmi.get("cmi.core.score.max", "100"))
        status = cmi.get("cmi.core.lesson_status", "")
        if status in ("completed", "passed", "failed"):
            completion = "completed"
        elif status in ("incomplete", "browsed"):
            completion = "incomplete"
        else:
            completion = "not attempted"
        if status in ("passed", "failed"):
            success = status
        elif rules.mastery_score is not None and raw is not None:
            if raw >= rules.mastery_score:
                success = "passed"
            else:
                success = "failed" if completion == "completed" else "unknown"
        else:
            success = "unknown"
        return Outcome(completion, success, raw, minimum, maximum, None)

    raw = to_float(cmi.get("cmi.score.raw"))
    minimum = to_float(cmi.get("cmi.score.min"))
    maximum = to_float(cmi.get("cmi.score.max"))
    scaled = to_float(cmi.get("cmi.score.scaled"))
    progress = to_float(cmi.get("cmi.progress_measure"))
    if rules.completion_threshold is not None and progress is not None:
        completion = (
            "completed" if progress >= rules.completion_threshold else "incomplete"
        )
    else:
        completion = cmi.get("cmi.completion_status") or "unknown"
    if rules.scaled_passing_score is not None and scaled is not None:
        success = "passed" if scaled >= rules.scaled_passing_score else "failed"
    else:
        success = cmi.get("cmi.success_status") or "unknown"
    return Outcome(completion, success, raw, minimum, maximum, scaled)


def monotonic(previous: Outcome, new: Outcome) -> Outcome:
    """``new`` with statuses that never move backwards from ``previous``."""
    return Outcome(
        merge_status(COMPLETION_RANK, previous.completion, new.completion),
        merge_status(SUCCESS_RANK, previous.success, new.success),
        new.score_raw,
        new.score_min,
        new.score_max,
        new.score_scaled,
    )
