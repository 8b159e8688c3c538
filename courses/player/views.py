"""Wrapper pages on the content origin: the SCORM runtime and the H5P player.

A wrapper page knows only the package. The attempt token reaches it in the URL
*fragment* (``#t=…&a=…&sco=…``), read by the page's JavaScript and never sent to a
server, so it stays out of access logs. The page then talks to the tracking API
(``/api/v1/tracking/…`` on this same origin) with the token in request bodies.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from courses.middleware import site_origin
from courses.models import Package
from courses.player.links import content_path
from courses.player.outline import build_outline

SCORM_STANDARDS = (Package.Standard.SCORM_12, Package.Standard.SCORM_2004)


def _ready_package(package_uuid: Any, standards: tuple[str, ...]) -> Package:
    package = Package.objects.filter(
        uuid=package_uuid, status=Package.Status.READY, standard__in=standards
    ).first()
    if package is None:
        raise Http404
    return package


def _language(request: HttpRequest) -> str:
    """The platform passes the learner's language in ``?lang=`` (no cookie here)."""
    requested = request.GET.get("lang", "")
    return (
        requested if requested in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    )


def _api_endpoints() -> dict[str, str]:
    return {
        "state": reverse("content:tracking_state"),
        "commits": reverse("content:tracking_commit"),
        "statements": reverse("content:tracking_statements"),
        "h5pState": reverse("content:tracking_h5p_state"),
    }


def player_messages() -> dict[str, str]:
    """French (translatable) texts the player scripts show to learners."""
    return {
        "notSaved": _(
            "Progression non enregistrée : la connexion au serveur est "
            "interrompue. Vos réponses restent sur cet appareil et seront envoyées "
            "dès le retour de la connexion."
        ),
        "saving": _("Enregistrement en cours…"),
        "saved": _("Progression enregistrée."),
        "staleTitle": _("Ce module est ouvert ailleurs"),
        "staleBody": _(
            "Vous avez ouvert ce module dans un autre onglet ou sur un autre "
            "appareil. Cet onglet n'enregistre plus votre progression, pour ne pas "
            "écraser des données plus récentes."
        ),
        "closedTitle": _("Cette tentative est terminée"),
        "closedBody": _(
            "Cette tentative a été clôturée entre-temps : ce que vous faites ici "
            "n'est plus enregistré. Rechargez pour reprendre là où vous en êtes."
        ),
        "continueHere": _("Continuer ici"),
        "tokenExpired": _(
            "Votre session de suivi a expiré. Rechargez la page pour continuer : "
            "vos réponses non enregistrées sont conservées sur cet appareil."
        ),
        "reload": _("Recharger la page"),
        "invalid": _(
            "Une donnée envoyée par le module a été refusée et n'est pas "
            "enregistrée : %(elements)s."
        ),
        "tooLarge": _(
            "Les données envoyées par le module sont trop volumineuses et n'ont "
            "pas pu être enregistrées."
        ),
        "loadFailed": _(
            "Impossible de charger votre progression. Vérifiez votre connexion puis "
            "rechargez la page."
        ),
        "noLaunch": _(
            "Ce lien de lancement est incomplet. Ouvrez le module depuis la page du "
            "cours."
        ),
        "finished": _(
            "Cette partie est fermée et votre progression est enregistrée. "
            "Choisissez la suite dans le sommaire."
        ),
        "courseFinished": _(
            "Le module est fermé et votre progression est enregistrée. Vous pouvez "
            "revenir au cours."
        ),
    }


@require_GET
def scorm_wrapper(request: HttpRequest, package_uuid: Any) -> HttpResponse:
    """The SCORM runtime page: table of contents, navigation and the SCO frame."""
    package = _ready_package(package_uuid, SCORM_STANDARDS)
    outline = build_outline(package)
    if not outline.scos:
        raise Http404
    with translation.override(_language(request)):
        config = {
            "standard": package.standard,
            "packageUrl": content_path(
                "content:package_file", package_uuid=package.uuid, path="x"
            )[:-1],
            "scos": [sco.as_config() for sco in outline.scos],
            "flow": outline.flow,
            "choice": outline.choice,
            "api": _api_endpoints(),
            "platformOrigin": site_origin(),
            "messages": player_messages(),
        }
        response = render(
            request,
            "courses/player/scorm_wrapper.html",
            {"package": package, "outline": outline, "config": config},
        )
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def h5p_wrapper(request: HttpRequest, package_uuid: Any) -> HttpResponse:
    """The H5P page: h5p-standalone pointed at the package files on this origin."""
    package = _ready_package(package_uuid, (Package.Standard.H5P,))
    package_root = content_path(
        "content:package_file", package_uuid=package.uuid, path="h5p.json"
    ).removesuffix("/h5p.json")
    with translation.override(_language(request)):
        config = {
            "h5p": {
                "h5pJsonPath": package_root,
                "librariesPath": package_root,
                "frameJs": static("courses/build/h5p/frame.bundle.js"),
                "frameCss": static("courses/build/h5p/styles/h5p.css"),
                "title": package.title,
            },
            "api": _api_endpoints(),
            "platformOrigin": site_origin(),
            "messages": player_messages(),
        }
        response = render(
            request,
            "courses/player/h5p_wrapper.html",
            {"package": package, "config": config},
        )
    response["Cache-Control"] = "no-cache"
    return response


# --- error pages of the content origin (plain text, nothing to reverse) ------------


def content_bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return HttpResponseBadRequest(
        _("Requête invalide."), content_type="text/plain; charset=utf-8"
    )


def content_forbidden(request: HttpRequest, exception: Exception) -> HttpResponse:
    return HttpResponseForbidden(
        _("Accès refusé."), content_type="text/plain; charset=utf-8"
    )


def content_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return HttpResponseNotFound(
        _("Introuvable."), content_type="text/plain; charset=utf-8"
    )


def content_server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponseServerError(
        _("Erreur du serveur."), content_type="text/plain; charset=utf-8"
    )
