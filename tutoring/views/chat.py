"""The chat page of a cohort or group room (real time through ``chat.js``).

Without JavaScript the page still works: the history is rendered here and the
form posts to this view (the client id is generated with the page, so a
double submission stores one message).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lms.permissions import check_object_permission

from .. import chat
from ..models import CohortGroup
from ..permissions import learner_enrolment, tutor_scope


def _group_id(request: HttpRequest) -> int | None:
    raw = request.GET.get("group", "")
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise Http404 from None


def _rooms(user: Any, access: chat.RoomAccess, is_tutor: bool) -> list[dict[str, Any]]:
    """The rooms this person may switch to: the cohort room and their groups."""
    cohort = access.cohort
    base = reverse("tutoring:chat", args=[cohort.pk])
    scope = tutor_scope(user, cohort)
    if scope.whole_cohort:
        groups = list(CohortGroup.objects.filter(cohort=cohort))
    elif scope.group_ids:
        groups = list(CohortGroup.objects.filter(pk__in=scope.group_ids))
    else:
        enrolment = learner_enrolment(user, cohort)
        groups = (
            list(CohortGroup.objects.filter(pk=enrolment.group_id))
            if enrolment is not None and enrolment.group_id
            else []
        )
    rooms = [
        {
            "label": _("Toute la cohorte"),
            "url": base,
            "current": access.group is None,
        }
    ]
    rooms += [
        {
            "label": _("Groupe %(name)s") % {"name": group.name},
            "url": f"{base}?group={group.pk}",
            "current": access.group is not None and access.group.pk == group.pk,
        }
        for group in groups
    ]
    return rooms


@login_required
@require_http_methods(["GET", "POST"])
def chat_room(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """Chat of a cohort (``?group=<id>``: of one of its groups)."""
    try:
        access = chat.open_room(request.user, cohort_id, _group_id(request))
    except chat.RoomNotFound:
        raise Http404 from None
    # Same answer as the other tutoring views (403 without the right).
    rule, obj = (
        ("tutoring.view_group", access.group)
        if access.group
        else ("tutoring.view_cohort", access.cohort)
    )
    check_object_permission(request.user, rule, obj)
    if request.method == "POST":
        return _post(request, access)
    is_tutor = tutor_scope(request.user, access.cohort).is_tutor
    history = chat.history(access.room, reveal_hidden=access.can_moderate)
    shown = [
        {**message, "created": parse_datetime(message["created_at"])}
        for message in history
    ]
    room = access.room
    ws_path = (
        f"/ws/tutoring/{room.cohort_id}/chat/"
        if room.group_id is None
        else f"/ws/tutoring/{room.cohort_id}/groups/{room.group_id}/chat/"
    )
    strings = {
        "hidden": _("Message masqué par un·e tuteur·rice."),
        "hiddenForTutors": _("(masqué pour les participant·es)"),
        "hide": _("Masquer"),
        "pending": _("envoi en cours…"),
        "connecting": _("Connexion au chat…"),
        "connected": _("Connecté·e au chat."),
        "reconnecting": _("Connexion perdue. Nouvel essai dans %(seconds)s s…"),
        "refused": _("Accès au chat refusé. Rechargez la page."),
        "nobody": _("Personne pour le moment."),
        "andOthers": _("et %(count)s autres"),
        "counter": _("%(count)s / %(max)s caractères"),
        "empty": _("Le message est vide."),
        "tooLong": _("Le message dépasse %(max)s caractères."),
        "confirmHide": _("Masquer ce message pour les participant·es ?"),
    }
    return render(
        request,
        "tutoring/chat/room.html",
        {
            "cohort": access.cohort,
            "group": access.group,
            "is_tutor": is_tutor,
            "active": "chat",
            "chat_messages": shown,
            "last_id": history[-1]["id"] if history else "",
            "can_moderate": access.can_moderate,
            "ws_path": ws_path,
            "room_key": room.key,
            "rooms": _rooms(request.user, access, is_tutor),
            "max_length": chat.MAX_BODY_CHARS,
            "client_id": uuid.uuid4(),
            "strings": strings,
        },
    )


def _post(request: HttpRequest, access: chat.RoomAccess) -> HttpResponse:
    """The forms without JavaScript: post a message or hide one (tutors), then
    back to the room."""
    try:
        if "hide" in request.POST:
            try:
                message_id: Any = int(request.POST["hide"])
            except ValueError:
                message_id = None
            if chat.hide_in_room(access.room, request.user, message_id):
                messages.success(request, _("Le message a été masqué."))
        else:
            chat.post_message(
                access.room,
                request.user,
                request.POST.get("client_id"),
                request.POST.get("body", ""),
            )
    except chat.ChatError as error:
        messages.error(request, error.message)
    url = reverse("tutoring:chat", args=[access.cohort.pk])
    if access.group is not None:
        url += f"?group={access.group.pk}"
    return redirect(f"{url}#chat-form")
