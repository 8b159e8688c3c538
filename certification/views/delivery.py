"""Staff pages of the delivery part: the outbox to the staff space, dead letters
first, with a retry button per row and for all dead letters of the filter."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from ..delivery import engine
from ..models import Delivery
from ..permissions import is_certification_staff

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
MAX_QUERY = 100
State = Delivery.State


def _require_staff(request: HttpRequest) -> None:
    if not is_certification_staff(request.user):
        raise PermissionDenied(_("Réservé au personnel de l'IFPC."))


def _filters(request: HttpRequest) -> tuple[str, str]:
    data = request.GET if request.method == "GET" else request.POST
    state = data.get("state", State.DEAD)
    if state not in State.values:
        state = State.DEAD
    return state, data.get("q", "").strip()[:MAX_QUERY]


def _filtered(state: str, query: str) -> QuerySet[Delivery]:
    rows = Delivery.objects.filter(state=state)
    if query:
        rows = rows.filter(
            Q(attestation__training_code__icontains=query)
            | Q(attestation__holder_name__icontains=query)
            | Q(attestation__holder_email__icontains=query)
            | Q(attestation__holder_matricule__iexact=query)
        )
    return rows


def _list_url(state: str, query: str) -> str:
    params = {"state": state} | ({"q": query} if query else {})
    return reverse("certification:deliveries") + "?" + urlencode(params)


@login_required
@require_GET
def deliveries(request: HttpRequest) -> HttpResponse:
    """The outbox by state (default: dead letters), searchable, paginated."""
    _require_staff(request)
    state, query = _filters(request)
    counts = dict.fromkeys(State.values, 0) | {
        row["state"]: row["total"]
        for row in Delivery.objects.values("state").annotate(total=Count("id"))
    }
    rows = (
        _filtered(state, query)
        .select_related("attestation")
        .order_by("-updated_at", "-id")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "certification/delivery/deliveries.html",
        {
            "page": page,
            "state": state,
            "state_label": State(state).label,
            "search": query,
            "states": [
                {"value": value, "label": label, "count": counts[value]}
                for value, label in State.choices
            ],
            "query": urlencode({"state": state} | ({"q": query} if query else {})),
            "back": request.get_full_path(),
        },
    )


def _back(request: HttpRequest, state: str, query: str) -> str:
    back = request.POST.get("back", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return _list_url(state, query)


@login_required
@require_POST
def delivery_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Send one dead letter again now."""
    _require_staff(request)
    delivery = get_object_or_404(Delivery.objects.select_related("attestation"), pk=pk)
    if engine.retry(delivery, request.user):
        messages.success(
            request,
            _("La livraison de l'attestation %(code)s — %(name)s est relancée.")
            % {
                "code": delivery.attestation.training_code,
                "name": delivery.attestation.holder_name,
            },
        )
    else:
        messages.info(
            request,
            _("Cette livraison n'est pas en échec : rien à relancer (état : %(s)s).")
            % {"s": delivery.get_state_display()},
        )
    state, query = _filters(request)
    return redirect(_back(request, state, query))


@login_required
@require_POST
def delivery_retry_all(request: HttpRequest) -> HttpResponse:
    """Send again every dead letter matching the current search."""
    _require_staff(request)
    _state, query = _filters(request)
    count = engine.retry_many(_filtered(State.DEAD, query), request.user)
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)s livraison relancée.",
                "%(count)s livraisons relancées.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.info(request, _("Aucune livraison en échec à relancer."))
    return redirect(_list_url(State.DEAD, query))
