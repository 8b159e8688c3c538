"""Forum services: sanitising, threads, replies, mentions, reports, moderation."""

from __future__ import annotations

import re
import uuid

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.tutoring import make_cohort, make_group
from tutoring import discussions
from tutoring.discussions import sanitize_post
from tutoring.models import Notification, Post, PostReport, Thread

# --- Sanitising (no database) ------------------------------------------------------

NASTY = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.test/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<p onclick="alert(1)" style="color:red">x</p>',
    "<svg onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<style>p{}</style>",
    "<!-- comment --><strong>x</strong>",
    "<p>a < b & c > d</p>",
    "<a href='mailto:a@b.be' target=_blank>m</a>",
    "<pre><code>if (a < b) {}</code></pre>",
]

html_fragments = st.lists(
    st.one_of(
        st.sampled_from(NASTY),
        st.sampled_from(
            [
                "<p>",
                "</p>",
                "<em>",
                "</em>",
                "<ul><li>",
                "</li></ul>",
                "<br>",
                "<a ",
                'href="',
                "on",
                "click=",
                "javascript:",
                "<scr",
                "ipt>",
                "&",
                ";",
                "<",
                ">",
                '"',
                "'",
                "=",
                " ",
            ]
        ),
        st.text(max_size=20),
    ),
    max_size=12,
).map("".join)


def _assert_safe(cleaned: str) -> None:
    lowered = cleaned.lower()
    assert "<script" not in lowered
    # Inside tags: no event handler, no javascript: URL (the words may stay as
    # text, escaped, like any other text a teacher writes about JavaScript).
    for tag in re.findall(r"<[^>]*>", lowered):
        assert not re.search(r"\son[a-z]+\s*=", tag), tag
        assert "javascript:" not in tag, tag


@given(html_fragments)
@settings(max_examples=200, deadline=None)
def test_sanitised_posts_never_carry_scripts_handlers_or_javascript_urls(raw):
    """Whatever is posted, the stored HTML has no script, handler or javascript: URL."""
    _assert_safe(sanitize_post(raw))


@given(html_fragments)
@settings(max_examples=200, deadline=None)
def test_sanitising_is_idempotent(raw):
    """Sanitising an already sanitised post changes nothing."""
    once = sanitize_post(raw)
    assert sanitize_post(once) == once


def test_allowed_markup_is_kept_and_links_get_noopener():
    """Paragraphs, emphasis, lists, quotes, code and safe links survive."""
    raw = (
        '<p>Bonjour <strong>tous</strong> <em>et</em> <a href="https://e-classe.be">'
        "e-classe</a></p><ul><li>un</li></ul><blockquote>cité</blockquote>"
        '<pre><code>x</code></pre><h1 class="big">titre</h1>'
    )
    cleaned = sanitize_post(raw)
    assert '<a href="https://e-classe.be" rel="noopener">e-classe</a>' in cleaned
    for tag in ("<strong>", "<em>", "<ul>", "<li>", "<blockquote>", "<pre>", "<code>"):
        assert tag in cleaned
    assert "<h1" not in cleaned and "titre" in cleaned
    assert "class=" not in cleaned


def test_plain_text_keeps_its_paragraphs():
    """A body typed without markup keeps its paragraphs and line breaks."""
    assert discussions.clean_body("Bonjour,\nune question.\n\nMerci") == (
        "<p>Bonjour,<br>une question.</p><p>Merci</p>"
    )


# --- Services (database) -----------------------------------------------------------

pytestmark_db = pytest.mark.django_db


@pytest.fixture
def setup(db):
    return make_cohort(learners=3, activities=1)


def _handle(user):
    return user.email.split("@")[0]


@pytestmark_db
def test_oversized_or_empty_title_and_body_are_refused_in_french(setup):
    """A title over 200 or a body over 20,000 characters is refused, nothing stored."""
    author = setup.learners[0]
    with pytest.raises(ValidationError) as error:
        discussions.create_thread(setup.cohort, author, "x" * 201, "Bonjour")
    assert "200 caractères au maximum" in str(error.value.message_dict["title"])
    with pytest.raises(ValidationError) as error:
        discussions.create_thread(setup.cohort, author, "Sujet", "x" * 20_001)
    assert "trop long" in error.value.message_dict["body"][0]
    with pytest.raises(ValidationError) as error:
        discussions.create_thread(setup.cohort, author, " ", "<script>x</script>")
    assert set(error.value.message_dict) == {"title", "body"}
    assert not Thread.objects.exists() and not Post.objects.exists()
    thread = discussions.create_thread(setup.cohort, author, "Sujet", "Bonjour")
    with pytest.raises(ValidationError):
        discussions.reply(thread, author, "y" * 20_001)
    assert Post.objects.count() == 1


@pytestmark_db
def test_injected_html_is_stored_sanitised(setup):
    """Scripts, handlers and javascript: links never reach the database."""
    thread = discussions.create_thread(
        setup.cohort,
        setup.learners[0],
        "<b>Sujet</b>",
        '<p onclick="x()">Salut</p><script>alert(1)</script>'
        '<a href="javascript:alert(1)">lien</a>',
    )
    body = thread.posts.get().body
    _assert_safe(body)
    assert "Salut" in body and "alert" not in body
    assert thread.title == "<b>Sujet</b>"  # plain text, escaped when rendered


@pytestmark_db
def test_double_submit_creates_one_thread_and_one_reply(setup):
    """The same client token twice gives back the first thread / post."""
    author = setup.learners[0]
    token = uuid.uuid4()
    first = discussions.create_thread(
        setup.cohort, author, "Sujet", "Bonjour", client_token=token
    )
    again = discussions.create_thread(
        setup.cohort, author, "Sujet", "Bonjour", client_token=token
    )
    assert first.pk == again.pk and Thread.objects.count() == 1
    token = uuid.uuid4()
    post = discussions.reply(first, setup.learners[1], "Réponse", client_token=token)
    same = discussions.reply(first, setup.learners[1], "Réponse", client_token=token)
    assert post.pk == same.pk
    first.refresh_from_db()
    assert first.reply_count == 1
    assert Post.objects.filter(thread=first).count() == 2


@pytestmark_db
def test_reply_updates_counters_and_notifies_author_and_participants(setup, committed):
    """A reply bumps the thread and notifies its author and earlier participants."""
    a, b, c = setup.learners
    thread = discussions.create_thread(setup.cohort, a, "Sujet", "Bonjour")
    with committed():
        discussions.reply(thread, b, "Réponse de B")
    with committed():
        discussions.reply(thread, c, "Réponse de C")
    thread.refresh_from_db()
    assert thread.reply_count == 2
    assert thread.last_post_at == thread.posts.order_by("-id").first().created_at
    replies = Notification.objects.filter(kind="reply")
    assert sorted(replies.values_list("user_id", flat=True)) == sorted(
        [a.pk, a.pk, b.pk]
    )
    note = replies.filter(user=b).get()
    assert "Sujet" in note.title and note.url.startswith(
        f"/tutoring/{setup.cohort.pk}/forum/{thread.pk}/"
    )
    assert not replies.filter(user=c).exists()


@pytestmark_db
def test_locked_thread_refuses_learner_replies_but_not_tutors(setup):
    """Only tutors may still reply to a locked thread."""
    thread = discussions.create_thread(setup.cohort, setup.learners[0], "S", "B")
    first = thread.posts.get()
    discussions.moderate(first, "lock", by=setup.tutor)
    with pytest.raises(ValidationError) as error:
        discussions.reply(thread, setup.learners[1], "Encore")
    assert "verrouillé" in error.value.messages[0]
    discussions.reply(thread, setup.tutor, "Le mot de la fin")
    assert thread.posts.count() == 2


@pytestmark_db
def test_mentions_reach_members_of_the_scope_only(setup, committed):
    """@local-part mentions notify members; people outside the forum are ignored."""
    a, b, c = setup.learners
    outsider = make_cohort(learners=1).learners[0]
    with committed():
        thread = discussions.create_thread(
            setup.cohort,
            a,
            "Question",
            f"Bonjour @{_handle(b)}, @{_handle(outsider)} et @{_handle(setup.tutor)}."
            f" Écrivez à {_handle(c)}@example.test",
        )
    post = thread.posts.get()
    assert set(post.mentions.values_list("pk", flat=True)) == {b.pk, setup.tutor.pk}
    mentioned = set(
        Notification.objects.filter(kind="mention").values_list("user_id", flat=True)
    )
    assert mentioned == {b.pk, setup.tutor.pk}


@pytestmark_db
def test_group_forum_mentions_and_announcements_stay_in_the_group(setup, committed):
    """A group announcement reaches the group's learners, not the others."""
    a, b, c = setup.learners
    group_tutor = UserFactory(roles=[Role.TUTOR])
    group = make_group(setup.cohort, "G1", tutor=group_tutor, members=[a, b])
    with committed():
        discussions.create_thread(
            setup.cohort,
            group_tutor,
            "Annonce de groupe",
            f"Bienvenue ! @{_handle(c)}",
            group=group,
            announcement=True,
        )
    thread = Thread.objects.get()
    assert thread.is_announcement and thread.is_pinned
    assert not thread.posts.get().mentions.exists()  # c is not in the group
    assert set(
        Notification.objects.filter(kind="announcement").values_list(
            "user_id", flat=True
        )
    ) == {a.pk, b.pk}


@pytestmark_db
def test_cohort_announcement_reaches_every_active_learner(setup, committed):
    """An announcement notifies every active learner of the cohort."""
    from tutoring import cohorts

    cohorts.unenrol(setup.cohort, setup.learners[2])
    with committed():
        discussions.create_thread(
            setup.cohort, setup.tutor, "Rentrée", "Bienvenue", announcement=True
        )
    assert set(
        Notification.objects.filter(kind="announcement").values_list(
            "user_id", flat=True
        )
    ) == {setup.learners[0].pk, setup.learners[1].pk}


@pytestmark_db
def test_learners_cannot_announce_or_moderate(setup):
    """Announcements and moderation are for tutors."""
    learner = setup.learners[0]
    with pytest.raises(PermissionDenied):
        discussions.create_thread(
            setup.cohort, learner, "Annonce", "x", announcement=True
        )
    thread = discussions.create_thread(setup.cohort, learner, "S", "B")
    for action in discussions.MODERATION_ACTIONS:
        with pytest.raises(PermissionDenied):
            discussions.moderate(thread.posts.get(), action, by=setup.learners[1])


@pytestmark_db
def test_report_once_with_a_reason_notifies_tutors(setup, committed):
    """A post is reported once per person, with a reason; tutors are told."""
    thread = discussions.create_thread(setup.cohort, setup.learners[0], "S", "B")
    post = thread.posts.get()
    reporter = setup.learners[1]
    with pytest.raises(ValidationError):
        discussions.report_post(post, reporter, "   ")
    with pytest.raises(ValidationError):
        discussions.report_post(post, reporter, "x" * 501)
    with pytest.raises(ValidationError):
        discussions.report_post(post, setup.learners[0], "Mon propre message")
    with committed():
        discussions.report_post(post, reporter, "Propos blessants")
    with pytest.raises(ValidationError) as error:
        discussions.report_post(post, reporter, "Encore")
    assert "déjà signalé" in error.value.messages[0]
    assert PostReport.objects.count() == 1
    note = Notification.objects.get(kind="report")
    assert note.user_id == setup.tutor.pk
    assert note.url == f"/tutoring/{setup.cohort.pk}/forum/reports/"


@pytestmark_db
def test_moderation_keeps_rows_resolves_reports_and_is_audited(setup):
    """Hiding keeps the text, closes open reports and leaves an audit entry."""
    thread = discussions.create_thread(setup.cohort, setup.learners[0], "S", "B")
    reply = discussions.reply(thread, setup.learners[1], "Hors sujet")
    discussions.report_post(reply, setup.learners[2], "Spam")
    discussions.moderate(reply, "hide", by=setup.tutor)
    reply.refresh_from_db()
    assert reply.is_hidden and reply.body and reply.moderated_by == setup.tutor
    assert PostReport.objects.get().resolved_by == setup.tutor
    assert LogEntry.objects.filter(
        user=setup.tutor, object_id=str(reply.pk), change_message="Message masqué"
    ).exists()
    # Deleting the opening post deletes the thread (rows kept).
    discussions.moderate(thread.posts.order_by("id").first(), "delete", by=setup.tutor)
    thread.refresh_from_db()
    assert thread.is_deleted and Post.objects.filter(thread=thread).count() == 2
    with pytest.raises(ValidationError):
        discussions.reply(thread, setup.tutor, "Trop tard")


@pytestmark_db
def test_group_tutor_moderates_their_group_forum_only(setup):
    """A group tutor moderates their group's forum, not another group's."""
    t1 = UserFactory(roles=[Role.TUTOR])
    t2 = UserFactory(roles=[Role.TUTOR])
    g1 = make_group(setup.cohort, "G1", tutor=t1, members=[setup.learners[0]])
    make_group(setup.cohort, "G2", tutor=t2, members=[setup.learners[1]])
    thread = discussions.create_thread(
        setup.cohort, setup.learners[0], "S", "B", group=g1
    )
    post = thread.posts.get()
    discussions.moderate(post, "pin", by=t1)
    with pytest.raises(PermissionDenied):
        discussions.moderate(post, "unpin", by=t2)
    thread.refresh_from_db()
    assert thread.is_pinned
