"""Discussion services: threads, replies, @mentions, reports and moderation.

Every write to ``Thread``, ``Post`` and ``PostReport`` goes through here. Post
bodies are stored sanitised (``sanitize_post``); moderation never deletes rows
(hidden and deleted posts keep their text for the audit trail). Notifications
(mentions, replies, announcements, reports) go through ``tutoring.notify``,
which pushes and enqueues e-mails after commit.

Mentions: ``@`` followed by the local part of a member's e-mail address
(``@marie.dupont`` for marie.dupont@ecole.be). Only members of the thread's
scope (active learners of the cohort or group, its tutors) can be mentioned;
anything else stays plain text.
"""

from __future__ import annotations

import html as html_lib
import logging
import re
import uuid
from collections.abc import Iterable
from typing import Any

import nh3
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from lms import audit

from .models import (
    Cohort,
    CohortGroup,
    CohortTutor,
    Enrolment,
    Notification,
    Post,
    PostReport,
    Thread,
)
from .notify import notify
from .permissions import tutor_scope

logger = logging.getLogger(__name__)

MAX_TITLE_LENGTH = 200
MAX_BODY_LENGTH = 20_000
MAX_REASON_LENGTH = 500
#: More handles than this in one post are ignored (a post is not a mailing list).
MAX_MENTIONS = 20

POST_ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote", "code", "pre"}
)
POST_ALLOWED_ATTRIBUTES = {"a": {"href"}}
POST_URL_SCHEMES = frozenset({"http", "https", "mailto"})

#: ``@`` + an e-mail local part, not preceded by a word character (so that the
#: ``@`` of an e-mail address written in the text is not a mention).
MENTION_RE = re.compile(
    r"(?<![\w.@+-])@([A-Za-z0-9](?:[A-Za-z0-9._+-]{0,62}[A-Za-z0-9])?)"
)
_BLOCK_TAG_RE = re.compile(r"<\s*(p|br|ul|ol|blockquote|pre)\b", re.IGNORECASE)

MODERATION_ACTIONS = ("hide", "unhide", "delete", "lock", "unlock", "pin", "unpin")


# --- Sanitising and validation -------------------------------------------------------


def sanitize_post(html: str) -> str:
    """``html`` reduced to the tags a post may use.

    Kept: p, br, strong, em, ul, ol, li, blockquote, code, pre and ``a[href]``
    (http, https, mailto; ``rel="noopener"`` added). Scripts and styles are
    removed with their content; other tags are dropped (their text stays);
    event-handler attributes and ``javascript:`` URLs never survive.
    Idempotent: ``sanitize_post(sanitize_post(x)) == sanitize_post(x)``.
    """
    return nh3.clean(
        html or "",
        tags=set(POST_ALLOWED_TAGS),
        attributes={k: set(v) for k, v in POST_ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(POST_URL_SCHEMES),
        link_rel="noopener",
        strip_comments=True,
    ).strip()


def plain_text(html: str) -> str:
    """The visible text of sanitised ``html`` (tags removed, entities decoded)."""
    text = nh3.clean(html or "", tags=set(), clean_content_tags={"script", "style"})
    return " ".join(html_lib.unescape(text).split())


def _as_html(body: str) -> str:
    """Plain text typed in the textarea becomes paragraphs and line breaks."""
    body = (body or "").replace("\r\n", "\n").strip()
    if _BLOCK_TAG_RE.search(body):
        return body
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    return "".join("<p>" + p.replace("\n", "<br>") + "</p>" for p in paragraphs)


def clean_body(body: str, *, field: str = "body") -> str:
    """The sanitised HTML of a post body, or a ``ValidationError`` in French."""
    if len(body or "") > MAX_BODY_LENGTH:
        raise ValidationError(
            {
                field: [
                    _(
                        "Votre message est trop long : %(max)s caractères au "
                        "maximum (il en compte %(length)s)."
                    )
                    % {
                        "max": f"{MAX_BODY_LENGTH:,}".replace(",", "\u202f"),
                        "length": len(body),
                    }
                ]
            }
        )
    cleaned = sanitize_post(_as_html(body))
    if not plain_text(cleaned):
        raise ValidationError({field: [_("Rédigez votre message.")]})
    if len(cleaned) > MAX_BODY_LENGTH * 2:  # escaping may lengthen; stay bounded
        raise ValidationError({field: [_("Votre message est trop long.")]})
    return cleaned


def clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": [_("Indiquez un sujet.")]})
    if len(title) > MAX_TITLE_LENGTH:
        raise ValidationError(
            {
                "title": [
                    _("Le sujet est trop long : %(max)s caractères au maximum.")
                    % {"max": MAX_TITLE_LENGTH}
                ]
            }
        )
    return title


# --- Scope of a forum ------------------------------------------------------------------


def can_moderate(user: Any, thread: Thread) -> bool:
    """Tutors moderate: any tutor of the cohort for the cohort forum; for a
    group forum, cohort tutors, staff and the group's tutor."""
    scope = tutor_scope(user, thread.cohort_id)
    if thread.group_id is None:
        return scope.is_tutor
    return scope.allows_group(thread.group_id)


def tutor_ids_of(cohort_id: int, group_id: int | None) -> set[int]:
    """Tutors who follow a forum: cohort tutors and the group's tutor(s)."""
    ids = set(
        CohortTutor.objects.filter(cohort_id=cohort_id).values_list(
            "user_id", flat=True
        )
    )
    groups = CohortGroup.objects.filter(cohort_id=cohort_id, tutor__isnull=False)
    if group_id is not None:
        groups = groups.filter(pk=group_id)
    ids.update(groups.values_list("tutor_id", flat=True))
    return ids


def members_in_scope(
    cohort_id: int, group_id: int | None, user_ids: Iterable[int]
) -> set[int]:
    """Those of ``user_ids`` who belong to the forum: its active learners and
    its tutors (two queries, whatever the cohort's size)."""
    wanted = set(user_ids)
    if not wanted:
        return set()
    learners = Enrolment.objects.active().filter(
        cohort_id=cohort_id, user_id__in=wanted
    )
    if group_id is not None:
        learners = learners.filter(group_id=group_id)
    found = set(learners.values_list("user_id", flat=True))
    return found | (tutor_ids_of(cohort_id, group_id) & wanted)


def mention_handles(html: str) -> list[str]:
    """The distinct ``@handles`` of a post body, lower-cased, in order."""
    handles = [m.lower() for m in MENTION_RE.findall(plain_text(html))]
    return list(dict.fromkeys(handles))[:MAX_MENTIONS]


def resolve_mentions(thread: Thread, html: str, *, author: Any) -> list[int]:
    """Ids of the forum's members mentioned in ``html`` (never the author)."""
    from lms.models import User

    handles = mention_handles(html)
    if not handles:
        return []
    query = Q()
    for handle in handles:
        query |= Q(email__istartswith=f"{handle}@")
    candidates = {
        pk
        for pk, email in User.objects.filter(query, is_active=True).values_list(
            "pk", "email"
        )
        if email.rsplit("@", 1)[0].lower() in handles
    }
    candidates.discard(author.pk)
    return sorted(members_in_scope(thread.cohort_id, thread.group_id, candidates))


# --- Threads and replies ---------------------------------------------------------------


def thread_url(thread: Thread, post: Post | None = None) -> str:
    url = reverse("tutoring:thread", args=[thread.cohort_id, thread.pk])
    if post is not None:
        url += f"?post={post.pk}#post-{post.pk}"
    return url


def _excerpt(html: str) -> str:
    return Truncator(plain_text(html)).chars(200)


def _existing_post(author: Any, client_token: uuid.UUID | None) -> Post | None:
    if client_token is None:
        return None
    return (
        Post.objects.select_related("thread")
        .filter(author=author, client_token=client_token)
        .first()
    )


def _name(user: Any) -> str:
    return user.get_full_name() or user.email


@transaction.atomic
def create_thread(
    cohort: Cohort,
    author: Any,
    title: str,
    body: str,
    group: CohortGroup | None = None,
    announcement: bool = False,
    client_token: uuid.UUID | None = None,
) -> Thread:
    """Open a thread in the cohort forum (or ``group``'s forum) with its first post.

    Preconditions: the caller checked that ``author`` may read the forum.
    Announcements (pinned) are for tutors only (``PermissionDenied``). The same
    ``client_token`` twice returns the first thread (a double submit creates
    one thread). Notifies the people mentioned and, for an announcement, every
    active learner of the forum. Raises ``ValidationError`` (French) for an
    empty or oversized title or body.
    """
    if group is not None and group.cohort_id != cohort.pk:
        raise ValidationError(_("Ce groupe appartient à une autre cohorte."))
    existing = _existing_post(author, client_token)
    if existing is not None:
        return existing.thread
    errors: dict[str, list[str]] = {}
    try:
        title = clean_title(title)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        body = clean_body(body)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    probe = Thread(cohort=cohort, group=group)
    if announcement and not can_moderate(author, probe):
        raise PermissionDenied(_("Seuls les tuteurs peuvent publier une annonce."))
    now = timezone.now()
    try:
        with transaction.atomic():
            thread = Thread.objects.create(
                cohort=cohort,
                group=group,
                author=author,
                title=title,
                is_announcement=announcement,
                is_pinned=announcement,
                last_post_at=now,
            )
            post = Post.objects.create(
                thread=thread, author=author, body=body, client_token=client_token
            )
    except IntegrityError:  # a concurrent double submit won
        existing = _existing_post(author, client_token)
        if existing is None:
            raise
        return existing.thread
    mentioned = resolve_mentions(thread, body, author=author)
    if mentioned:
        post.mentions.set(mentioned)
    audit.record(author, [thread, post], audit.ADDITION, _("Fil ouvert"), logger=logger)
    url = thread_url(thread, post)
    excerpt = _excerpt(body)
    if mentioned:
        notify(
            mentioned,
            Notification.Kind.MENTION,
            _("%(name)s vous mentionne dans « %(title)s »")
            % {"name": _name(author), "title": title},
            body=excerpt,
            url=url,
            cohort=cohort,
        )
    if announcement:
        learners = Enrolment.objects.active().filter(cohort=cohort)
        if group is not None:
            learners = learners.filter(group=group)
        recipients = set(learners.values_list("user_id", flat=True))
        recipients -= {author.pk, *mentioned}
        notify(
            sorted(recipients),
            Notification.Kind.ANNOUNCEMENT,
            _("Annonce : %(title)s") % {"title": title},
            body=excerpt,
            url=url,
            cohort=cohort,
        )
    return thread


@transaction.atomic
def reply(
    thread: Thread,
    author: Any,
    body: str,
    client_token: uuid.UUID | None = None,
) -> Post:
    """Add ``author``'s reply to ``thread`` and return it.

    Preconditions: the caller checked that ``author`` may read the forum. A
    locked thread refuses replies except from its moderators; a deleted one
    refuses all (``ValidationError``). The same ``client_token`` twice returns
    the first post. ``reply_count`` and ``last_post_at`` change under the
    thread's row lock, in the same transaction. Notifies the people mentioned
    (kind mention), then the thread's author and earlier participants (reply).
    """
    existing = _existing_post(author, client_token)
    if existing is not None:
        return existing
    body = clean_body(body)
    locked = Thread.objects.select_for_update().get(pk=thread.pk)
    # After the lock: a concurrent double submit has finished by now.
    existing = _existing_post(author, client_token)
    if existing is not None:
        return existing
    if locked.is_deleted:
        raise ValidationError(_("Ce fil a été supprimé : on ne peut plus y répondre."))
    if locked.is_locked and not can_moderate(author, locked):
        raise ValidationError(_("Ce fil est verrouillé : on ne peut plus y répondre."))
    now = timezone.now()
    try:
        with transaction.atomic():
            post = Post.objects.create(
                thread=locked, author=author, body=body, client_token=client_token
            )
    except IntegrityError:
        existing = _existing_post(author, client_token)
        if existing is None:
            raise
        return existing
    Thread.objects.filter(pk=locked.pk).update(
        reply_count=F("reply_count") + 1,
        last_post_at=post.created_at,
        updated_at=now,
    )
    thread.reply_count = locked.reply_count + 1
    thread.last_post_at = post.created_at
    mentioned = resolve_mentions(locked, body, author=author)
    if mentioned:
        post.mentions.set(mentioned)
    audit.record(author, [post], audit.ADDITION, _("Réponse publiée"), logger=logger)
    url = thread_url(locked, post)
    excerpt = _excerpt(body)
    if mentioned:
        notify(
            mentioned,
            Notification.Kind.MENTION,
            _("%(name)s vous mentionne dans « %(title)s »")
            % {"name": _name(author), "title": locked.title},
            body=excerpt,
            url=url,
            cohort=locked.cohort_id,
        )
    participants = set(
        Post.objects.filter(thread=locked, is_deleted=False)
        .values_list("author_id", flat=True)
        .distinct()
    )
    participants.add(locked.author_id)
    participants -= {author.pk, *mentioned}
    recipients = members_in_scope(locked.cohort_id, locked.group_id, participants)
    if recipients:
        notify(
            sorted(recipients),
            Notification.Kind.REPLY,
            _("%(name)s a répondu dans « %(title)s »")
            % {"name": _name(author), "title": locked.title},
            body=excerpt,
            url=url,
            cohort=locked.cohort_id,
        )
    return post


# --- Reports and moderation --------------------------------------------------------------


@transaction.atomic
def report_post(post: Post, reporter: Any, reason: str) -> PostReport:
    """``reporter`` reports ``post`` to the forum's tutors (once per person).

    Preconditions: the caller checked that ``reporter`` may read the forum.
    Raises ``ValidationError`` (French) for an empty or too long reason, one's
    own post, or a second report. Notifies the forum's tutors (kind report).
    """
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": [_("Indiquez le motif du signalement.")]})
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(
            {
                "reason": [
                    _("Le motif est trop long : %(max)s caractères au maximum.")
                    % {"max": MAX_REASON_LENGTH}
                ]
            }
        )
    if post.author_id == reporter.pk:
        raise ValidationError(_("Vous ne pouvez pas signaler votre propre message."))
    if PostReport.objects.filter(post=post, reporter=reporter).exists():
        raise ValidationError(_("Vous avez déjà signalé ce message."))
    try:
        with transaction.atomic():
            report = PostReport.objects.create(
                post=post, reporter=reporter, reason=reason
            )
    except IntegrityError:
        raise ValidationError(_("Vous avez déjà signalé ce message.")) from None
    thread = post.thread
    audit.record(
        reporter, [report], audit.ADDITION, _("Message signalé"), logger=logger
    )
    tutors = tutor_ids_of(thread.cohort_id, thread.group_id) - {reporter.pk}
    if tutors:
        notify(
            sorted(tutors),
            Notification.Kind.REPORT,
            _("Message signalé dans « %(title)s »") % {"title": thread.title},
            body=Truncator(reason).chars(200),
            url=reverse("tutoring:reports", args=[thread.cohort_id]),
            cohort=thread.cohort_id,
        )
    return report


def _resolve_open_reports(posts: Iterable[int], by: Any, now: Any) -> int:
    return PostReport.objects.filter(
        post_id__in=list(posts), resolved_at__isnull=True
    ).update(resolved_at=now, resolved_by=by, updated_at=now)


@transaction.atomic
def moderate(post: Post, action: str, *, by: Any) -> Post:
    """Apply a moderation ``action`` to ``post`` or to its thread.

    ``hide`` / ``unhide`` / ``delete`` act on the post (on the opening post they
    also hide or delete the thread); ``lock`` / ``unlock`` / ``pin`` /
    ``unpin`` act on the thread. Rows are never deleted. Hiding or deleting
    resolves the post's open reports. Raises ``PermissionDenied`` unless ``by``
    moderates the forum, ``ValidationError`` for an unknown action. Audited.
    """
    if action not in MODERATION_ACTIONS:
        raise ValidationError(_("Action de modération inconnue."))
    thread = Thread.objects.select_for_update().get(pk=post.thread_id)
    if not can_moderate(by, thread):
        raise PermissionDenied
    post = Post.objects.select_for_update().get(pk=post.pk)
    now = timezone.now()
    is_opening = (
        not Post.objects.filter(thread=thread)
        .filter(
            Q(created_at__lt=post.created_at)
            | Q(created_at=post.created_at, pk__lt=post.pk)
        )
        .exists()
    )
    messages = {
        "hide": _("Message masqué"),
        "unhide": _("Message rétabli"),
        "delete": _("Message supprimé"),
        "lock": _("Fil verrouillé"),
        "unlock": _("Fil déverrouillé"),
        "pin": _("Fil épinglé"),
        "unpin": _("Fil désépinglé"),
    }
    if action in ("hide", "unhide", "delete"):
        if action == "delete":
            post.is_deleted = True
        else:
            post.is_hidden = action == "hide"
        post.moderated_by = by
        post.moderated_at = now
        post.save(
            update_fields=[
                "is_hidden",
                "is_deleted",
                "moderated_by",
                "moderated_at",
                "updated_at",
            ]
        )
        changed: list[Any] = [post]
        if is_opening:
            if action == "delete":
                thread.is_deleted = True
            else:
                thread.is_hidden = action == "hide"
            thread.save(update_fields=["is_hidden", "is_deleted", "updated_at"])
            changed.append(thread)
        if action in ("hide", "delete"):
            _resolve_open_reports([post.pk], by, now)
        audit.record(
            by,
            changed,
            audit.DELETION if action == "delete" else audit.CHANGE,
            messages[action],
            logger=logger,
        )
        return post
    if action in ("lock", "unlock"):
        thread.is_locked = action == "lock"
    else:
        thread.is_pinned = action == "pin"
    thread.save(update_fields=["is_locked", "is_pinned", "updated_at"])
    audit.record(by, [thread], audit.CHANGE, messages[action], logger=logger)
    return post


@transaction.atomic
def resolve_report(report: PostReport, *, by: Any) -> PostReport:
    """Close ``report`` (idempotent). ``PermissionDenied`` unless ``by``
    moderates the forum of the reported post."""
    report = (
        PostReport.objects.select_for_update(of=("self",))
        .select_related("post__thread")
        .get(pk=report.pk)
    )
    if not can_moderate(by, report.post.thread):
        raise PermissionDenied
    if report.resolved_at is None:
        report.resolved_at = timezone.now()
        report.resolved_by = by
        report.save(update_fields=["resolved_at", "resolved_by", "updated_at"])
        audit.record(by, [report], audit.CHANGE, _("Signalement traité"), logger=logger)
    return report
