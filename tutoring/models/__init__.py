"""Models of ``tutoring`` (one module per part; import from here)."""

from .assignments import RubricCriterion, SubmissionReview
from .chat import ChatMessage
from .cohorts import Cohort, CohortActivityStat, CohortGroup, CohortTutor, Enrolment
from .discussions import Post, PostReport, Thread
from .notifications import Notification, NotificationPreference
from .nudges import NudgeLog, NudgeRule, TutorMessage

__all__ = [
    "ChatMessage",
    "Cohort",
    "CohortActivityStat",
    "CohortGroup",
    "CohortTutor",
    "Enrolment",
    "Notification",
    "NotificationPreference",
    "NudgeLog",
    "NudgeRule",
    "Post",
    "PostReport",
    "RubricCriterion",
    "SubmissionReview",
    "Thread",
    "TutorMessage",
]
