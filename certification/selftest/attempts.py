"""Taking the self-test: start or resume, the current item, answers, the result.

Server authority (spec B8): the engine state lives on the ``Attempt`` row and
every change happens under that row's lock. The pending item is persisted, so
a reload shows the same question; an answer names its step (``order``) and
the tab's ``lock_token``, which rotates with each served item: a replayed
step, a stale tab or an answer after the end is refused (``AnswerRefused``,
with a French message and an HTTP status) and changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Attempt, Blueprint, CompetenceEstimate, Item, ItemResponse
from . import exposure
from .bank import current_bank, engine_config, engine_secret, score
from .engine import GLOBAL_SCOPE, Engine, EngineError, State, StopReason

#: Accessibility needs a teacher may declare (``bank.NEEDS`` keys).
ACCESSIBILITY_NEEDS = ("keyboard", "screen_reader", "colour_vision")


class RetakeTooEarly(Exception):
    """A new sitting before the blueprint's delay; ``str()`` is French."""


class AnswerRefused(Exception):
    """An answer that cannot be recorded; ``status`` is the HTTP status to use."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ServedItem:
    """What the item page shows: never the key, never the parameters.

    ``options`` carry database ids, which follow the authored order — the key
    of an ordering item, and often a hint for choice items: pages and the API
    name options by their place (``views.selftest.public_options``), never by id.
    """

    item: Item
    order: int  # the step number, 1-based
    lock_token: str
    options: list[tuple[int, str]]  # (option id, text) in this attempt's order


def _engine(attempt: Attempt) -> Engine:
    return Engine(
        current_bank(),
        engine_config(attempt.blueprint),
        attempt.seed,
        secret=engine_secret(),
        exposure=exposure.stats_for(attempt.blueprint),
    )


def _elapsed(attempt: Attempt) -> float:
    return (timezone.now() - attempt.started_at).total_seconds()


def in_progress(user: Any, blueprint: Blueprint) -> Attempt | None:
    return Attempt.objects.filter(
        user=user, blueprint=blueprint, status=Attempt.Status.IN_PROGRESS
    ).first()


def next_sitting_allowed_at(user: Any, blueprint: Blueprint):
    """When ``user`` may sit ``blueprint`` again (None: now)."""
    last = (
        Attempt.objects.filter(
            user=user,
            blueprint__slug=blueprint.slug,
            status=Attempt.Status.COMPLETED,
        )
        .order_by("-completed_at")
        .first()
    )
    if last is None or last.completed_at is None:
        return None
    allowed = last.completed_at + timedelta(days=blueprint.retake_min_days)
    return allowed if allowed > timezone.now() else None


def start_attempt(
    user: Any, blueprint: Blueprint, accessibility_needs: list[str] | None = None
) -> Attempt:
    """Resume the sitting in progress, or start a new one.

    A retake (a completed sitting of the same blueprint exists) needs
    ``retake_min_days`` since it ended (``RetakeTooEarly``); it starts from the
    fixed prior, selection starting at 0.5·θ̂ of the last sitting, and prefers
    items not seen before.
    """
    existing = in_progress(user, blueprint)
    if existing is not None:
        return existing
    allowed_at = next_sitting_allowed_at(user, blueprint)
    if allowed_at is not None:
        raise RetakeTooEarly(
            _("Vous pourrez repasser ce test à partir du %(date)s.")
            % {"date": timezone.localtime(allowed_at).strftime("%d/%m/%Y %H:%M")}
        )
    needs = sorted(set(accessibility_needs or ()) & set(ACCESSIBILITY_NEEDS))
    previous = Attempt.objects.filter(
        user=user, blueprint__slug=blueprint.slug, status=Attempt.Status.COMPLETED
    )
    seen = set(
        ItemResponse.objects.filter(attempt__in=previous).values_list(
            "item__uid", flat=True
        )
    )
    theta_start: dict[str, float] = {}
    last = previous.order_by("-completed_at").first()
    if last is not None:
        for estimate in last.estimates.select_related("competence"):
            theta_start[estimate.competence.code] = 0.5 * estimate.theta
        overall = (last.result or {}).get("overall")
        if overall:
            theta_start[GLOBAL_SCOPE] = 0.5 * float(overall["theta"])
    attempt = Attempt(
        user=user,
        blueprint=blueprint,
        seed=secrets.token_hex(16),
        accessibility_needs=needs,
    )
    state = _engine(attempt).start(
        seen_before=seen, accessibility_needs=needs, theta_start=theta_start
    )
    attempt.state = state.to_json()
    try:
        with transaction.atomic():
            attempt.save()
    except Exception:
        # Two tabs started at once: the partial unique constraint kept one.
        existing = in_progress(user, blueprint)
        if existing is None:
            raise
        return existing
    return attempt


def _shuffled_options(attempt: Attempt, item: Item) -> list[tuple[int, str]]:
    options = [(o.pk, o.text) for o in item.options.all()]
    if item.shuffle_options or item.item_type == Item.Type.ORDERING:
        digest = hmac.new(
            engine_secret(), f"{attempt.seed}:{item.uid}".encode(), hashlib.sha256
        ).digest()
        random.Random(digest).shuffle(options)  # noqa: S311 (not security)
    return options


def _advance(attempt: Attempt, engine: Engine, state: State) -> Item | None:
    """Serve the next item (persisted) or finish; the row is locked by the caller."""
    state, engine_item = engine.next_item(state, elapsed_seconds=_elapsed(attempt))
    attempt.state = state.to_json()
    if engine_item is None:
        _finish(attempt, engine, state)
        return None
    item = Item.objects.select_related("competence").get(uid=engine_item.id)
    if attempt.current_item_id != item.pk:
        attempt.current_item = item
        attempt.current_served_at = timezone.now()
        attempt.lock_token = secrets.token_hex(8)
    attempt.save(
        update_fields=[
            "state",
            "current_item",
            "current_served_at",
            "lock_token",
            "updated_at",
        ]
    )
    return item


def _finish(attempt: Attempt, engine: Engine, state: State) -> None:
    result = engine.result(state)
    attempt.status = (
        Attempt.Status.ABANDONED
        if state.stop_reason == StopReason.ABANDONED
        else Attempt.Status.COMPLETED
    )
    attempt.stop_reason = str(state.stop_reason or "")
    attempt.completed_at = timezone.now()
    attempt.current_item = None
    attempt.lock_token = ""
    attempt.result = result.to_json()
    attempt.save()
    if attempt.status != Attempt.Status.COMPLETED:
        return
    from lms.models import Competence

    from .campaigns import on_attempt_completed

    competences = {c.code: c for c in Competence.objects.all()}
    CompetenceEstimate.objects.bulk_create(
        CompetenceEstimate(
            attempt=attempt,
            competence=competences[row.competence],
            theta=row.theta,
            se=row.se,
            n_items=row.n_items,
            level=row.level,
            confidence=row.confidence,
            range_low=row.range_low,
            range_high=row.range_high,
            is_precise=row.precision == "ok",
            has_provisional_cuts=row.cut_scores_provisional,
        )
        for row in result.competences
        if row.is_measured
    )
    on_attempt_completed(attempt)


def _take_state(attempt: Attempt, locked: Attempt) -> None:
    """Give the caller's ``attempt`` the values the locked copy was saved with
    (saves the query of a ``refresh_from_db``)."""
    for model_field in Attempt._meta.concrete_fields:
        setattr(attempt, model_field.attname, getattr(locked, model_field.attname))
    for name in ("current_item", "blueprint"):
        if Attempt._meta.get_field(name).is_cached(locked):
            setattr(attempt, name, getattr(locked, name))


def current_item(attempt: Attempt) -> ServedItem | None:
    """The item to show now (the same one until answered); None once finished.

    An item already served is read back without a lock or the engine (one
    consistent row read: a concurrent answer is either wholly before or after);
    only choosing the next item takes the row lock.
    """
    fresh = Attempt.objects.select_related("blueprint", "current_item__competence").get(
        pk=attempt.pk
    )
    if fresh.status != Attempt.Status.IN_PROGRESS:
        _take_state(attempt, fresh)
        return None
    if fresh.current_item_id is not None:
        _take_state(attempt, fresh)
        return ServedItem(
            item=fresh.current_item,
            order=len(fresh.state["answers"]) + 1,
            lock_token=fresh.lock_token,
            options=_shuffled_options(fresh, fresh.current_item),
        )
    with transaction.atomic():
        locked = (
            Attempt.objects.select_for_update()
            .select_related("blueprint")
            .get(pk=attempt.pk)
        )
        if locked.status != Attempt.Status.IN_PROGRESS:
            return None
        engine = _engine(locked)
        item = _advance(locked, engine, State.from_json(locked.state))
    _take_state(attempt, locked)
    if item is None:
        return None
    return ServedItem(
        item=item,
        order=len(locked.state["answers"]) + 1,
        lock_token=locked.lock_token,
        options=_shuffled_options(locked, item),
    )


def answer(attempt: Attempt, *, order: int, payload: Any, lock_token: str) -> bool:
    """Record the answer to step ``order`` and serve the next item (or finish).

    Returns True when the test goes on, False when it has just ended. Raises
    ``AnswerRefused`` (nothing written) for an attempt that is over (409), a
    stale tab (409), a step already answered or not yet served (409), or a
    malformed answer (400).
    """
    with transaction.atomic():
        locked = (
            Attempt.objects.select_for_update()
            .select_related("blueprint")
            .get(pk=attempt.pk)
        )
        if locked.status != Attempt.Status.IN_PROGRESS:
            raise AnswerRefused(
                _("Ce test est terminé : la réponse n'est pas enregistrée."), 409
            )
        if not lock_token or not hmac.compare_digest(lock_token, locked.lock_token):
            raise AnswerRefused(
                _("Ce test se poursuit dans un autre onglet : continuez-le là-bas."),
                409,
            )
        state = State.from_json(locked.state)
        if order != len(state.answers) + 1 or locked.current_item_id is None:
            raise AnswerRefused(_("Cette question a déjà reçu une réponse."), 409)
        item = Item.objects.prefetch_related("options").get(pk=locked.current_item_id)
        try:
            correct = score(item, payload)
        except (ValueError, TypeError) as error:
            raise AnswerRefused(
                _("Réponse illisible : choisissez ou saisissez une réponse."), 400
            ) from error
        engine = _engine(locked)
        try:
            state = engine.record_response(state, item.uid, correct)
        except EngineError as error:
            raise AnswerRefused(
                _("Cette question a déjà reçu une réponse."), 409
            ) from error
        served_at = locked.current_served_at or timezone.now()
        ItemResponse.objects.create(
            attempt=locked,
            item=item,
            item_revision=item.revision,
            order=order,
            payload={"answer": payload},
            is_correct=correct,
            is_pretest=item.status == Item.Status.PRETEST,
            params={"a": item.a, "b": item.b, "c": item.c},
            served_at=served_at,
            latency_ms=int((timezone.now() - served_at).total_seconds() * 1000),
        )
        going_on = _advance(locked, engine, state) is not None
    _take_state(attempt, locked)
    return going_on


def abandon(attempt: Attempt) -> None:
    """Stop a sitting the teacher leaves; answered items keep their scores."""
    with transaction.atomic():
        locked = (
            Attempt.objects.select_for_update()
            .select_related("blueprint")
            .get(pk=attempt.pk)
        )
        if locked.status != Attempt.Status.IN_PROGRESS:
            return
        engine = _engine(locked)
        _finish(locked, engine, engine.abandon(State.from_json(locked.state)))
    _take_state(attempt, locked)
