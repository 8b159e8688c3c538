"""Staff page of the self-test calibration: runs, the item statistics of a run's
report (paginated), and a button to launch a run. IFPC staff only."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from ..models import CalibrationRun, Item
from ..permissions import is_certification_staff
from ..selftest import calibration, online_fit

logger = logging.getLogger(__name__)

RUNS_SHOWN = 20
ITEMS_PER_PAGE = 50
FILTERS = {
    "all": gettext_lazy("Tous les items"),
    "pretest": gettext_lazy("Items en prétest"),
    "promoted": gettext_lazy("Items promus par cette calibration"),
}
REASONS = {
    online_fit.TOO_FEW_RESPONSES: gettext_lazy(
        "pas assez de réponses ({value} sur {needed})"
    ),
    online_fit.NOT_CONVERGED: gettext_lazy("l'estimation n'a pas convergé"),
    online_fit.A_OUT_OF_RANGE: gettext_lazy(
        "discrimination a = {value} hors de [0,4 ; 3,0]"
    ),
    online_fit.B_OUT_OF_RANGE: gettext_lazy("difficulté |b| = {value} au-delà de 3,5"),
    online_fit.SE_B_TOO_LARGE: gettext_lazy(
        "erreur type de b = {value} au-delà de 0,35"
    ),
    online_fit.MISFIT: gettext_lazy(
        "ajustement insuffisant : écart observé − attendu de {value} dans un décile "
        "(maximum 0,10)"
    ),
    online_fit.CHANGED_DURING_RUN: gettext_lazy(
        "item modifié pendant la calibration : non promu"
    ),
}


def _require_staff(request: HttpRequest) -> None:
    if not is_certification_staff(request.user):
        raise PermissionDenied(_("Réservé au personnel de l'IFPC."))


def _decimal(value: Any) -> str:
    """A number as French text (decimal comma); "—" when missing."""
    if value is None:
        return "—"
    return str(value).replace(".", ",")


def reason_text(reason: dict[str, Any]) -> str:
    """One reason code of the report as a French sentence."""
    template = REASONS.get(reason.get("code", ""))
    if template is None:
        return str(reason.get("code", ""))
    return str(template).format(
        value=_decimal(reason.get("value")), needed=reason.get("needed", "—")
    )


def _status_label(status: str) -> str:
    try:
        return str(Item.Status(status).label)
    except ValueError:
        return status


@login_required
@require_GET
def calibration_runs(request: HttpRequest) -> HttpResponse:
    """Calibration runs and the item statistics of one run (the latest by default)."""
    _require_staff(request)
    runs = list(
        CalibrationRun.objects.select_related("triggered_by")
        .defer("report")
        .order_by("-started_at")[:RUNS_SHOWN]
    )
    reports = CalibrationRun.objects.filter(state=CalibrationRun.State.DONE)
    selected = None
    run_param = request.GET.get("run", "")
    if run_param.isdigit():
        selected = reports.filter(pk=int(run_param)).first()
    if selected is None:
        selected = reports.order_by("-started_at").first()
    shown = request.GET.get("show", "all")
    if shown not in FILTERS:
        shown = "all"
    rows: list[dict[str, Any]] = (
        list((selected.report or {}).get("items", [])) if selected else []
    )
    if shown == "pretest":
        rows = [r for r in rows if r.get("status") == "pretest" or r.get("fitted")]
    elif shown == "promoted":
        rows = [r for r in rows if r.get("promoted")]
    page = Paginator(rows, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row["reason_texts"] = [reason_text(r) for r in row.get("reasons", [])]
        row["status_label"] = _status_label(row.get("status", ""))
    query = {"show": shown}
    if selected is not None:
        query["run"] = str(selected.pk)
    return render(
        request,
        "certification/selftest_calibration/runs.html",
        {
            "runs": runs,
            "running": any(r.state == CalibrationRun.State.RUNNING for r in runs),
            "selected": selected,
            "summary": (selected.report or {}).get("summary", {}) if selected else {},
            "report_settings": (selected.report or {}).get("settings", {})
            if selected
            else {},
            "page": page,
            "query": urlencode(query),
            "filters": list(FILTERS.items()),
            "shown": shown,
            "min_responses": calibration.min_responses(),
        },
    )


@login_required
@require_POST
def calibration_start(request: HttpRequest) -> HttpResponse:
    """Launch a calibration run in the background (after commit)."""
    _require_staff(request)
    try:
        calibration.start_calibration(request.user)
    except calibration.CalibrationRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            _(
                "Calibration lancée : elle tourne en arrière-plan. Actualisez la page "
                "pour voir son rapport."
            ),
        )
    return redirect("certification:selftest_calibration")
