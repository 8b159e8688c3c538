"""The stand-in's HTML pages (French): simulated room, recording, home, errors."""

from __future__ import annotations

import datetime as dt
from html import escape

from .state import Attendee, Meeting, Recording


def _text(value: str) -> str:
    """Escaped for an HTML text node (quotes kept readable)."""
    return escape(value, quote=False)


NOTICE = (
    "Simulateur BigBlueButton de Tremplin — ceci n'est pas une vraie classe virtuelle"
)

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#f4f6f8;color:#1b1f24}
header{background:#8a2b00;color:#fff;padding:1rem 1.5rem}
header p{margin:0;font-weight:700}
main{max-width:48rem;margin:1.5rem auto;padding:0 1rem}
section{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:1rem 1.5rem;margin-bottom:1rem}
button,.button{font:inherit;padding:.5rem 1rem;border-radius:4px;border:2px solid #8a2b00;background:#8a2b00;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button:focus-visible,a:focus-visible{outline:3px solid #1f6feb;outline-offset:2px}
.muted{color:#57606a}
"""


def _page(title: str, body: str) -> bytes:
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_text(title)} — simulateur BBB</title>"
        f"<style>{_STYLE}</style></head><body>"
        f'<header role="banner"><p role="note">{_text(NOTICE)}</p></header>'
        f'<main id="contenu">{body}</main></body></html>'
    ).encode()


def _when(millis: int) -> str:
    if not millis:
        return "—"
    moment = dt.datetime.fromtimestamp(millis / 1000, tz=dt.UTC)
    return moment.strftime("%d/%m/%Y %H:%M UTC")


def room(meeting: Meeting, me: Attendee, people: list[Attendee]) -> bytes:
    role = "modérateur" if me.role == "MODERATOR" else "participant"
    items = "".join(
        f"<li>{_text(person.full_name)}"
        + (" (modérateur)" if person.role == "MODERATOR" else "")
        + (" — vous" if person.user_id == me.user_id else "")
        + "</li>"
        for person in people
    )
    welcome = (
        f'<p class="muted">{_text(meeting.welcome)}</p>' if meeting.welcome else ""
    )
    body = (
        f"<h1>{_text(meeting.name)}</h1>{welcome}"
        f"<section aria-labelledby='moi'><h2 id='moi'>Vous êtes connecté</h2>"
        f"<p>{_text(me.full_name)}, en tant que {role}.</p>"
        "<p class='muted'>Dans une vraie classe virtuelle, vous verriez ici la "
        "présentation, la vidéo et la discussion. Le simulateur enregistre seulement "
        "votre présence, comme le ferait BigBlueButton.</p>"
        '<form method="post" action="/html5client/leave">'
        f'<input type="hidden" name="sessionToken" value="{escape(me.token)}">'
        '<button type="submit">Quitter la classe</button></form></section>'
        f"<section aria-labelledby='presents'><h2 id='presents'>Participants "
        f"({len(people)})</h2><ul>{items}</ul>"
        f'<p><a href="/html5client/join?sessionToken={escape(me.token)}">'
        "Actualiser la liste</a></p></section>"
    )
    return _page(meeting.name, body)


def left(message: str, back_url: str = "") -> bytes:
    link = (
        f'<p><a class="button" href="{escape(back_url)}">Revenir à Tremplin</a></p>'
        if back_url
        else ""
    )
    return _page(
        "Classe quittée",
        f"<h1>{_text(message)}</h1><section><p>Vous pouvez fermer cet onglet.</p>"
        f"{link}</section>",
    )


def recording(item: Recording) -> bytes:
    body = (
        "<h1>Enregistrement simulé</h1>"
        f"<section><h2>{_text(item.name)}</h2><dl>"
        f"<dt>Début</dt><dd>{_when(item.start_time)}</dd>"
        f"<dt>Fin</dt><dd>{_when(item.end_time)}</dd>"
        f"<dt>Durée</dt><dd>{item.length_minutes} min</dd>"
        f"<dt>Participants</dt><dd>{item.participants}</dd></dl>"
        "<p class='muted'>Un vrai serveur BigBlueButton afficherait ici la lecture de "
        "la classe (présentation, audio, discussion).</p></section>"
    )
    return _page("Enregistrement simulé", body)


def home() -> bytes:
    return _page(
        "Accueil",
        "<h1>Simulateur BigBlueButton</h1><section><p>Ce processus imite l'API de "
        "BigBlueButton (<code>/bigbluebutton/api/</code>) pour développer et tester "
        "Tremplin sans serveur de visioconférence. Les classes ouvertes ici ne "
        "transmettent ni son ni image.</p></section>",
    )


def not_found(message: str = "Page introuvable.") -> bytes:
    return _page("Introuvable", f"<h1>{_text(message)}</h1>")
