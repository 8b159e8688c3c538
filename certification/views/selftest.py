"""Pages of the self-test: home, taking the test, the result and the profile.

Every page works without JavaScript (plain forms, POST-redirect-GET). An
attempt is only ever shown to its owner (404 otherwise). What reaches the
browser is the stem, the options in this attempt's order and the unit: never
the key (``ItemOption.is_correct``, ``Item.numeric_answer``, the authored order)
nor the IRT parameters. Options are named by their place on the page (1 … n,
``public_options``), not by their database id: ids follow the authoring order,
which is the key of an ordering item.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any

import nh3
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..models import Attempt, Blueprint, Item
from ..selftest import attempts
from ..selftest.bank import engine_config
from ..selftest.profile import attempt_result, profile_for
from ..selftest.recommendations import recommend

logger = logging.getLogger(__name__)

PAST_PAGE_SIZE = 20
#: Ordering items list at most this many positions (``position_1`` …).
MAX_POSITIONS = 20

#: HTML a stem may contain (the editor's features); everything else is removed.
STEM_TAGS = frozenset({"p", "br", "b", "strong", "i", "em", "ol", "ul", "li", "a"})
STEM_ATTRIBUTES = {"a": {"href", "title"}}
NUMBER_RE = re.compile(r"^[+-]?\d[\d\s\u00a0\u202f]*(?:[.,]\d+)?$")

ACCESSIBILITY_LABELS = {
    "keyboard": gettext_lazy("J'utilise uniquement le clavier"),
    "screen_reader": gettext_lazy("J'utilise un lecteur d'écran"),
    "colour_vision": gettext_lazy("Je distingue mal certaines couleurs"),
}


# --- Presenting an item (shared with the JSON API) ------------------------------------


def stem_html(item: Item) -> str:
    """The stem as safe HTML: internal links expanded, then reduced to ``STEM_TAGS``."""
    from wagtail.rich_text import expand_db_html

    return nh3.clean(
        expand_db_html(item.stem or ""),
        tags=set(STEM_TAGS),
        attributes=STEM_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    ).strip()


def image_url(item: Item) -> str:
    """A bounded rendition of the item's image ("" without one)."""
    if item.image_id is None or item.image is None:
        return ""
    return item.image.get_rendition("max-800x600").url


def expected_range(attempt: Attempt) -> tuple[int, int]:
    """The shortest and longest test the blueprint allows (items, pretest aside)."""
    config = engine_config(attempt.blueprint)
    longest = config.effective_max_items_total
    if config.mode.value == "profile":
        longest = min(
            longest, config.max_items_per_competence * len(config.competences)
        )
    shortest = min(config.min_test_length, longest)
    return shortest, longest


def progress_text(number: int, shortest: int, longest: int) -> str:
    """ "Question 7 — encore 5 à 10 questions environ" (from the limits, never θ)."""
    low = max(shortest - number, 0)
    high = max(longest - number, 0)
    if high == 0:
        rest = _("probablement la dernière question")
    elif low == high:
        rest = ngettext(
            "encore %(count)s question environ",
            "encore %(count)s questions environ",
            high,
        ) % {"count": high}
    elif low == 0:
        rest = ngettext(
            "encore au plus %(count)s question",
            "encore au plus %(count)s questions",
            high,
        ) % {"count": high}
    else:
        rest = _("encore %(low)s à %(high)s questions environ") % {
            "low": low,
            "high": high,
        }
    return _("Question %(number)s — %(rest)s") % {"number": number, "rest": rest}


def public_options(served: attempts.ServedItem) -> list[tuple[int, str]]:
    """The options as the browser sees them: (place 1 … n, text), shuffled order."""
    return [(index, text) for index, (_pk, text) in enumerate(served.options, 1)]


def resolve_options(served: attempts.ServedItem, payload: Any) -> Any:
    """Turn the places of a parsed answer back into option ids (``UnreadableAnswer``
    for a place that does not exist); a numeric answer is returned as it is."""
    if served.item.item_type == Item.Type.NUMERIC:
        return payload
    ids = [pk for pk, _text in served.options]

    def option_id(place: int) -> int:
        if not 1 <= place <= len(ids):
            raise UnreadableAnswer(_("Cette proposition n'existe pas."))
        return ids[place - 1]

    if isinstance(payload, list):
        return [option_id(place) for place in payload]
    return option_id(payload)


# --- Reading an answer form ---------------------------------------------------------


class UnreadableAnswer(Exception):
    """The form does not hold a usable answer; ``str()`` is French."""


def parse_answer(item_type: str, data: QueryDict) -> Any:
    """The answer payload of an item form (what ``attempts.answer`` expects)."""
    if item_type == Item.Type.SINGLE_CHOICE:
        value = data.get("answer", "")
        if not value.isdigit():
            raise UnreadableAnswer(_("Choisissez une réponse."))
        return int(value)
    if item_type == Item.Type.MULTIPLE_CHOICE:
        values = data.getlist("answer")
        if not values or not all(v.isdigit() for v in values):
            raise UnreadableAnswer(_("Cochez au moins une proposition."))
        return sorted({int(v) for v in values})
    if item_type == Item.Type.ORDERING:
        positions = []
        for index in range(1, MAX_POSITIONS + 1):
            value = data.get(f"position_{index}")
            if value is None:
                break
            if not value.isdigit():
                raise UnreadableAnswer(
                    _("Choisissez une proposition pour chaque place.")
                )
            positions.append(int(value))
        if not positions:
            raise UnreadableAnswer(_("Choisissez une proposition pour chaque place."))
        if len(set(positions)) != len(positions):
            raise UnreadableAnswer(
                _("Chaque proposition ne peut occuper qu'une seule place.")
            )
        return positions
    if item_type == Item.Type.NUMERIC:
        value = data.get("answer", "").strip()
        if not value or not NUMBER_RE.match(value):
            raise UnreadableAnswer(_("Saisissez un nombre, par exemple 12,5."))
        return value
    raise UnreadableAnswer(
        _("Réponse illisible : choisissez ou saisissez une réponse.")
    )


# --- Home -----------------------------------------------------------------------------


def active_blueprints() -> list[Blueprint]:
    """The latest active version of each blueprint, by name (two queries)."""
    latest = (
        Blueprint.objects.filter(is_active=True)
        .order_by("slug", "-version")
        .distinct("slug")
        .values_list("pk", flat=True)
    )
    return list(
        Blueprint.objects.filter(pk__in=list(latest))
        .prefetch_related("competences")
        .order_by("name", "slug")
    )


def latest_blueprint(slug: str) -> Blueprint:
    """The latest active version of ``slug`` (404 if there is none)."""
    blueprint = (
        Blueprint.objects.filter(slug=slug, is_active=True).order_by("-version").first()
    )
    if blueprint is None:
        raise Http404(_("Ce test n'est pas proposé."))
    return blueprint


@dataclass(frozen=True)
class BlueprintCard:
    blueprint: Blueprint
    in_progress: Attempt | None
    retake_at: Any  # datetime or None
    covers_requested: bool


@login_required
@require_GET
def selftest_home(request: HttpRequest) -> HttpResponse:
    """What the self-test is, the tests offered, the sitting in progress, past results."""
    blueprints = active_blueprints()
    mine = Attempt.objects.filter(user=request.user)
    in_progress = {
        a.blueprint.slug: a
        for a in mine.filter(status=Attempt.Status.IN_PROGRESS).select_related(
            "blueprint"
        )
    }
    last_completed = dict(
        mine.filter(status=Attempt.Status.COMPLETED)
        .values("blueprint__slug")
        .annotate(last=Max("completed_at"))
        .values_list("blueprint__slug", "last")
    )
    requested = request.GET.get("competence", "")
    now = timezone.now()
    cards = []
    for blueprint in blueprints:
        last = last_completed.get(blueprint.slug)
        retake_at = None
        if last is not None and blueprint.slug not in in_progress:
            allowed = last + dt.timedelta(days=blueprint.retake_min_days)
            retake_at = allowed if allowed > now else None
        cards.append(
            BlueprintCard(
                blueprint=blueprint,
                in_progress=in_progress.get(blueprint.slug),
                retake_at=retake_at,
                covers_requested=bool(requested)
                and any(c.code == requested for c in blueprint.competences.all()),
            )
        )
    if requested:
        cards.sort(key=lambda card: not card.covers_requested)
    past = (
        mine.exclude(status=Attempt.Status.IN_PROGRESS)
        .select_related("blueprint")
        .order_by("-started_at")
    )
    page = Paginator(past, PAST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "certification/selftest/home.html",
        {
            "cards": cards,
            "requested_competence": requested,
            "page": page,
            "needs": ACCESSIBILITY_LABELS.items(),
        },
    )


@login_required
@require_POST
def selftest_start(request: HttpRequest, slug: str) -> HttpResponse:
    """Start (or resume) a sitting of the latest version of ``slug``."""
    blueprint = latest_blueprint(slug)
    needs = [
        n for n in request.POST.getlist("needs") if n in attempts.ACCESSIBILITY_NEEDS
    ]
    try:
        attempt = attempts.start_attempt(request.user, blueprint, needs)
    except attempts.RetakeTooEarly as error:
        messages.error(request, str(error))
        return redirect("certification:selftest_home")
    logger.info("selftest start user=%s attempt=%s", request.user.pk, attempt.uuid)
    return redirect("certification:selftest_attempt", uuid=attempt.uuid)


# --- Taking the test ------------------------------------------------------------------


def own_attempt(request: HttpRequest, uuid: Any) -> Attempt:
    """The signed-in person's attempt ``uuid`` (404 for anyone else's)."""
    return get_object_or_404(
        Attempt.objects.select_related("blueprint"), uuid=uuid, user=request.user
    )


def _item_context(
    attempt: Attempt, served: attempts.ServedItem, submitted: QueryDict | None
) -> dict[str, Any]:
    item = served.item
    shortest, longest = expected_range(attempt)
    chosen: set[str] = set(submitted.getlist("answer")) if submitted else set()
    positions = [
        {
            "index": index,
            "value": submitted.get(f"position_{index}", "") if submitted else "",
        }
        for index in range(1, len(served.options) + 1)
    ]
    return {
        "attempt": attempt,
        "served": served,
        "item": item,
        "number": served.order,
        "progress": progress_text(served.order, shortest, longest),
        "stem": stem_html(item),
        "image_url": image_url(item),
        "options": [
            {"id": place, "text": text, "checked": str(place) in chosen}
            for place, text in public_options(served)
        ],
        "positions": positions,
        "numeric_value": (submitted.get("answer", "") if submitted else ""),
        "lang": item.locale or "fr",
    }


def _render_item(
    request: HttpRequest,
    attempt: Attempt,
    *,
    error: str = "",
    status: int = 200,
    submitted: QueryDict | None = None,
) -> HttpResponse:
    served = attempts.current_item(attempt)
    if served is None:
        return redirect("certification:selftest_result", uuid=attempt.uuid)
    context = _item_context(attempt, served, submitted)
    context["error"] = error
    return render(
        request, "certification/selftest/attempt.html", context, status=status
    )


@never_cache
@login_required
@require_GET
def selftest_attempt(request: HttpRequest, uuid: Any) -> HttpResponse:
    """The current question (the same one until it is answered)."""
    attempt = own_attempt(request, uuid)
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return redirect("certification:selftest_result", uuid=attempt.uuid)
    return _render_item(request, attempt)


@never_cache
@login_required
@require_POST
def selftest_answer(request: HttpRequest, uuid: Any) -> HttpResponse:
    """Record the answer and go on (POST-redirect-GET), or say why it was refused."""
    attempt = own_attempt(request, uuid)
    served = (
        attempts.current_item(attempt)
        if attempt.status == Attempt.Status.IN_PROGRESS
        else None
    )
    unreadable = ""
    try:
        if served is None:
            raise UnreadableAnswer(_("Ce test est terminé."))
        payload = resolve_options(
            served, parse_answer(served.item.item_type, request.POST)
        )
    except UnreadableAnswer as error:
        unreadable = str(error)
        payload = None  # refused by scoring (400) unless refused earlier (409)
    try:
        order = int(request.POST.get("order", ""))
    except ValueError:
        return _render_item(
            request,
            attempt,
            error=_("Réponse illisible : rechargez la question et réessayez."),
            status=400,
        )
    try:
        going_on = attempts.answer(
            attempt,
            order=order,
            payload=payload,
            lock_token=request.POST.get("lock_token", ""),
        )
    except attempts.AnswerRefused as refused:
        if refused.status == 400:
            return _render_item(
                request,
                attempt,
                error=unreadable or str(refused),
                status=400,
                submitted=request.POST,
            )
        attempt.refresh_from_db()
        return render(
            request,
            "certification/selftest/refused.html",
            {
                "attempt": attempt,
                "message": str(refused),
                "finished": attempt.status != Attempt.Status.IN_PROGRESS,
            },
            status=refused.status,
        )
    if going_on:
        return redirect("certification:selftest_attempt", uuid=attempt.uuid)
    return redirect("certification:selftest_result", uuid=attempt.uuid)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def selftest_abandon(request: HttpRequest, uuid: Any) -> HttpResponse:
    """Stop a sitting: GET asks for confirmation, POST with ``confirm`` stops it."""
    attempt = own_attempt(request, uuid)
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return redirect("certification:selftest_result", uuid=attempt.uuid)
    if request.method == "POST" and request.POST.get("confirm") == "1":
        attempts.abandon(attempt)
        logger.info(
            "selftest abandon user=%s attempt=%s", request.user.pk, attempt.uuid
        )
        messages.info(
            request,
            _(
                "Le test est arrêté. Les compétences qui ont reçu assez de "
                "réponses ont un niveau provisoire."
            ),
        )
        return redirect("certification:selftest_result", uuid=attempt.uuid)
    return render(request, "certification/selftest/abandon.html", {"attempt": attempt})


# --- Result and profile ---------------------------------------------------------------


def _attribution() -> Any:
    from lms.digcompedu import ATTRIBUTION

    return ATTRIBUTION


@login_required
@require_GET
def selftest_result(request: HttpRequest, uuid: Any) -> HttpResponse:
    """Levels of one sitting with their uncertainty, chart and table, recommendations."""
    attempt = own_attempt(request, uuid)
    if attempt.status == Attempt.Status.IN_PROGRESS:
        return redirect("certification:selftest_attempt", uuid=attempt.uuid)
    return render(
        request,
        "certification/selftest/result.html",
        {
            "attempt": attempt,
            "result": attempt_result(attempt),
            "recommendations": recommend(request.user),
            "attribution": _attribution(),
            "home_url": reverse("certification:selftest_home"),
        },
    )


@login_required
@require_GET
def selftest_profile(request: HttpRequest) -> HttpResponse:
    """Latest level per competence (all 22) over every completed sitting, history."""
    return render(
        request,
        "certification/selftest/profile.html",
        {
            "profile": profile_for(request.user),
            "recommendations": recommend(request.user),
            "attribution": _attribution(),
            "home_url": reverse("certification:selftest_home"),
        },
    )
