"""Catalogue models: pages (index, training, track), sessions, registrations."""

from .pages import (
    CatalogueIndexPage,
    TrackPage,
    TrackStep,
    TrainingCompetenceTarget,
    TrainingPage,
    TrainingResourceLink,
)
from .registrations import Registration, RegistrationLog, TrackRegistration
from .search import TrainingSearchEntry
from .sessions import Session, SessionDay
from .taxonomy import (
    Audience,
    AudienceFunction,
    EducationLevel,
    Level,
    Modality,
    NetworkScope,
    Province,
    TrainingLanguage,
)
from .workflow import PeerReviewTask

__all__ = [
    "Audience",
    "AudienceFunction",
    "CatalogueIndexPage",
    "EducationLevel",
    "Level",
    "Modality",
    "NetworkScope",
    "PeerReviewTask",
    "Province",
    "Registration",
    "RegistrationLog",
    "Session",
    "SessionDay",
    "TrackPage",
    "TrackRegistration",
    "TrackStep",
    "TrainingLanguage",
    "TrainingPage",
    "TrainingCompetenceTarget",
    "TrainingResourceLink",
    "TrainingSearchEntry",
]
