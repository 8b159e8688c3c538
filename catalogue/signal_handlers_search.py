"""Keep the catalogue search index in step with publications and sessions.

Connected in ``CatalogueConfig.ready``; each handler calls one function of
``catalogue.search`` after the transaction commits, so that the index reads
what was committed and a rolled-back change leaves it untouched.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.signals import page_published, page_unpublished

from . import search
from .models import Session, TrainingPage


def _refresh_after_commit(training_id: int | None) -> None:
    if training_id:
        transaction.on_commit(lambda: search.refresh_training_entry(training_id))


def training_published(sender: type, instance: TrainingPage, **kwargs: Any) -> None:
    """A training was published (or republished): index its live content."""
    _refresh_after_commit(instance.pk)


def training_unpublished(sender: type, instance: TrainingPage, **kwargs: Any) -> None:
    """A training was unpublished or expired: take it out of search."""
    _refresh_after_commit(instance.pk)


#: Session fields the search row depends on; saves touching none are skipped
#: (a registration only moving ``seats_taken`` leaves the row as it is).
INDEXED_SESSION_FIELDS = frozenset(
    {
        "training",
        "starts_on",
        "ends_on",
        "status",
        "has_waitlist",
        "registration_opens_at",
        "registration_closes_at",
        "is_online",
        "postal_code",
        "province",
        "establishment",
    }
)


def session_changed(
    sender: type,
    instance: Session,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    """A session was saved or deleted: dates, places and openness may have changed."""
    if update_fields is not None and not INDEXED_SESSION_FIELDS & set(update_fields):
        return
    _refresh_after_commit(instance.training_id)


def connect() -> None:
    """Connect the handlers (idempotent thanks to ``dispatch_uid``)."""
    page_published.connect(
        training_published,
        sender=TrainingPage,
        dispatch_uid="catalogue_search_published",
    )
    page_unpublished.connect(
        training_unpublished,
        sender=TrainingPage,
        dispatch_uid="catalogue_search_unpublished",
    )
    post_save.connect(
        session_changed, sender=Session, dispatch_uid="catalogue_search_session_saved"
    )
    post_delete.connect(
        session_changed, sender=Session, dispatch_uid="catalogue_search_session_deleted"
    )
