"""Forum pages: who reads what, posting, bad input, moderation, reports."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from lms.roles import Role
from tests.factories import UserFactory
from tests.factories.tutoring import make_cohort, make_group
from tutoring import discussions
from tutoring.models import Post, PostReport, Thread

pytestmark = pytest.mark.django_db

PLACEHOLDER = "Message masqué par la modération"


@pytest.fixture
def setup():
    return make_cohort(learners=3, activities=1)


def _thread(setup, author=None, **kwargs):
    return discussions.create_thread(
        setup.cohort, author or setup.learners[0], "Une question", "Bonjour", **kwargs
    )


def _url(name, *args):
    return reverse(f"tutoring:{name}", args=args)


def test_anonymous_visitors_are_sent_to_the_login_page(client, setup):
    """Forum pages need a signed-in person."""
    thread = _thread(setup)
    for url in (
        _url("forum", setup.cohort.pk),
        _url("thread", setup.cohort.pk, thread.pk),
        _url("thread_create", setup.cohort.pk),
        _url("reports", setup.cohort.pk),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_learner_of_another_cohort_cannot_read_the_forum_or_a_thread(client, setup):
    """A learner of cohort B gets 403 on cohort A's forum and threads."""
    thread = _thread(setup)
    other = make_cohort(learners=1)
    client.force_login(other.learners[0])
    assert client.get(_url("forum", setup.cohort.pk)).status_code == 403
    assert client.get(_url("thread", setup.cohort.pk, thread.pk)).status_code == 403
    response = client.post(
        _url("thread", setup.cohort.pk, thread.pk),
        {"body": "Intrusion", "client_token": str(uuid.uuid4())},
    )
    assert response.status_code == 403
    assert client.get(_url("thread", other.cohort.pk, thread.pk)).status_code == 404
    client.force_login(other.tutor)
    assert client.get(_url("thread", setup.cohort.pk, thread.pk)).status_code == 403
    assert Post.objects.count() == 1


def test_learner_outside_a_group_cannot_read_the_group_forum(client, setup):
    """The group forum and its threads answer 403 to learners of other groups."""
    a, b, _c = setup.learners
    group = make_group(setup.cohort, "G1", members=[a])
    thread = _thread(setup, group=group)
    client.force_login(b)
    forum = _url("forum", setup.cohort.pk) + f"?group={group.pk}"
    assert client.get(forum).status_code == 403
    assert client.get(_url("thread", setup.cohort.pk, thread.pk)).status_code == 403
    assert (
        client.get(_url("thread_create", setup.cohort.pk) + f"?group={group.pk}")
    ).status_code == 403
    client.force_login(a)
    response = client.get(forum)
    assert response.status_code == 200
    assert "Une question" in response.text
    # The group's thread is not in the cohort forum.
    assert "Une question" not in client.get(_url("forum", setup.cohort.pk)).text
    assert client.get(_url("forum", setup.cohort.pk) + "?group=x").status_code == 404


def test_forum_lists_pinned_threads_first_with_bounded_queries(
    client, setup, django_assert_max_num_queries
):
    """Pinned threads come first; the page's queries do not grow with threads."""
    for index in range(25):
        discussions.create_thread(
            setup.cohort, setup.learners[index % 3], f"Fil {index}", "Texte"
        )
    discussions.create_thread(
        setup.cohort, setup.tutor, "Annonce importante", "Lisez-moi", announcement=True
    )
    client.force_login(setup.learners[0])
    with django_assert_max_num_queries(14):
        response = client.get(_url("forum", setup.cohort.pk))
    assert response.status_code == 200
    text = response.text
    assert text.index("Annonce importante") < text.index("Fil 24")
    assert "Page 1 sur 2" in text
    assert "Fil 0<" not in text  # oldest on page 2
    assert 'aria-current="page">Forum<' in text  # cohort navigation tab


def test_thread_page_has_bounded_queries_and_paginates_posts(
    client, setup, django_assert_max_num_queries
):
    """A thread page with many posts runs a fixed number of queries."""
    thread = _thread(setup)
    for index in range(35):
        discussions.reply(thread, setup.learners[index % 3], f"Réponse numéro {index}")
    client.force_login(setup.learners[1])
    with django_assert_max_num_queries(16):
        response = client.get(_url("thread", setup.cohort.pk, thread.pk))
    assert response.status_code == 200
    assert "Réponse numéro 28" in response.text
    assert "Réponse numéro 29" not in response.text  # 31st post: page 2
    client.force_login(setup.tutor)
    with django_assert_max_num_queries(16):
        response = client.get(_url("thread", setup.cohort.pk, thread.pk) + "?page=2")
    assert "Réponse numéro 34" in response.text
    last = thread.posts.order_by("-id").first()
    response = client.get(
        _url("thread", setup.cohort.pk, thread.pk) + f"?post={last.pk}"
    )
    assert "Réponse numéro 34" in response.text


def test_learner_opens_a_thread_and_a_double_submit_creates_one(client, setup):
    """Posting the thread form twice with the same token creates one thread."""
    client.force_login(setup.learners[0])
    data = {
        "title": "Ma question",
        "body": "Bonjour à toutes et à tous",
        "client_token": str(uuid.uuid4()),
    }
    first = client.post(_url("thread_create", setup.cohort.pk), data)
    second = client.post(_url("thread_create", setup.cohort.pk), data)
    assert first.status_code == 302 and second["Location"] == first["Location"]
    assert Thread.objects.count() == 1
    page = client.get(first["Location"])
    assert "Ma question" in page.text and "Bonjour à toutes et à tous" in page.text
    # A learner's form has no announcement box.
    assert (
        'name="announcement"'
        not in client.get(_url("thread_create", setup.cohort.pk)).text
    )


def test_double_reply_creates_one_post(client, setup):
    """Submitting the same reply twice (same token) stores it once."""
    thread = _thread(setup)
    client.force_login(setup.learners[1])
    data = {"body": "Moi aussi", "client_token": str(uuid.uuid4())}
    url = _url("thread", setup.cohort.pk, thread.pk)
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert thread.posts.filter(body__contains="Moi aussi").count() == 1
    thread.refresh_from_db()
    assert thread.reply_count == 1


def test_oversized_input_is_refused_with_a_french_message(client, setup):
    """Too long title or body: the form comes back (400) with a clear message."""
    client.force_login(setup.learners[0])
    response = client.post(
        _url("thread_create", setup.cohort.pk),
        {"title": "T" * 201, "body": "x" * 20_001, "client_token": str(uuid.uuid4())},
    )
    assert response.status_code == 400
    assert "Le sujet est trop long" in response.text
    assert "Votre message est trop long" in response.text
    assert not Thread.objects.exists()
    thread = _thread(setup)
    response = client.post(
        _url("thread", setup.cohort.pk, thread.pk),
        {"body": "y" * 20_001, "client_token": str(uuid.uuid4())},
    )
    assert response.status_code == 400 and "trop long" in response.text
    assert thread.posts.count() == 1


def test_injected_html_is_sanitised_and_titles_are_escaped(client, setup):
    """Scripts and handlers never reach the page; a title shows as text."""
    client.force_login(setup.learners[0])
    response = client.post(
        _url("thread_create", setup.cohort.pk),
        {
            "title": "<script>alert('t')</script>",
            "body": '<p onmouseover="alert(1)">Coucou</p><script>alert(2)</script>'
            '<img src=x onerror=alert(3)><a href="javascript:alert(4)">lien</a>'
            '<a href="https://example.test">ok</a>',
            "client_token": str(uuid.uuid4()),
        },
    )
    page = client.get(response["Location"]).text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;" in page
    for bad in ("onmouseover", "onerror", "javascript:", "alert(2)"):
        assert bad not in page
    assert '<a href="https://example.test" rel="noopener">ok</a>' in page
    assert "Coucou" in page


def test_locked_thread_refuses_a_learner_reply(client, setup):
    """Replying to a locked thread shows why; nothing is stored."""
    thread = _thread(setup)
    discussions.moderate(thread.posts.get(), "lock", by=setup.tutor)
    client.force_login(setup.learners[1])
    page = client.get(_url("thread", setup.cohort.pk, thread.pk)).text
    assert "Ce fil est verrouillé" in page and 'name="body"' not in page
    response = client.post(
        _url("thread", setup.cohort.pk, thread.pk),
        {"body": "Je force", "client_token": str(uuid.uuid4())},
    )
    assert response.status_code == 400
    assert "Ce fil est verrouillé : on ne peut plus y répondre." in response.text
    assert thread.posts.count() == 1


def test_learner_cannot_moderate(client, setup):
    """Every moderation action answers 403 to a learner; nothing changes."""
    thread = _thread(setup)
    post = thread.posts.get()
    client.force_login(setup.learners[1])
    for action in discussions.MODERATION_ACTIONS:
        response = client.post(
            _url("post_moderate", setup.cohort.pk, post.pk), {"action": action}
        )
        assert response.status_code == 403, action
    assert client.get(_url("reports", setup.cohort.pk)).status_code == 403
    post.refresh_from_db()
    thread.refresh_from_db()
    assert not (post.is_hidden or post.is_deleted or thread.is_locked)
    assert not thread.is_pinned
    page = client.get(_url("thread", setup.cohort.pk, thread.pk)).text
    assert "Masquer" not in page


def test_tutor_hides_a_post_learners_see_the_placeholder(client, setup):
    """A hidden post reads "masqué" for learners; tutors still read it, marked."""
    thread = _thread(setup)
    post = discussions.reply(thread, setup.learners[1], "Propos déplacés")
    client.force_login(setup.tutor)
    response = client.post(
        _url("post_moderate", setup.cohort.pk, post.pk), {"action": "hide"}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).text
    assert "Propos déplacés" in page and "Masqué par la modération" in page
    assert (
        client.post(
            _url("post_moderate", setup.cohort.pk, post.pk), {"action": "explode"}
        ).status_code
        == 400
    )
    client.force_login(setup.learners[2])
    page = client.get(_url("thread", setup.cohort.pk, thread.pk)).text
    assert "Propos déplacés" not in page and PLACEHOLDER in page


def test_tutor_pins_and_locks_from_the_thread_page(client, setup):
    """Thread-level actions go through the opening post."""
    thread = _thread(setup)
    first = thread.posts.get()
    client.force_login(setup.tutor)
    for action in ("pin", "lock"):
        client.post(
            _url("post_moderate", setup.cohort.pk, first.pk), {"action": action}
        )
    thread.refresh_from_db()
    assert thread.is_pinned and thread.is_locked
    page = client.get(_url("thread", setup.cohort.pk, thread.pk)).text
    assert "Déverrouiller le fil" in page and "Désépingler le fil" in page


def test_deleted_thread_disappears_for_learners(client, setup):
    """Deleting the opening post removes the thread from learners' view."""
    thread = _thread(setup)
    discussions.moderate(thread.posts.get(), "delete", by=setup.tutor)
    client.force_login(setup.learners[1])
    assert "Une question" not in client.get(_url("forum", setup.cohort.pk)).text
    assert client.get(_url("thread", setup.cohort.pk, thread.pk)).status_code == 404
    client.force_login(setup.tutor)
    assert "Supprimé" in client.get(_url("forum", setup.cohort.pk)).text


def test_report_a_post_then_tutor_resolves_it(client, setup):
    """A learner reports a post (once); the tutor sees it in the queue and closes it."""
    thread = _thread(setup)
    post = thread.posts.get()
    client.force_login(setup.learners[1])
    url = _url("post_report", setup.cohort.pk, post.pk)
    empty = client.post(url, {"reason": ""})
    assert (
        empty.status_code == 400 and "Indiquez le motif du signalement." in empty.text
    )
    too_long = client.post(url, {"reason": "x" * 501})
    assert too_long.status_code == 400 and "500 caractères au maximum" in too_long.text
    done = client.post(url, {"reason": "Publicité"})
    assert done.status_code == 302
    assert "Vous avez signalé ce message." in client.get(done["Location"]).text
    again = client.post(url, {"reason": "Encore"})
    assert again.status_code == 400 and "déjà signalé" in again.text
    assert PostReport.objects.count() == 1

    client.force_login(setup.tutor)
    queue = client.get(_url("reports", setup.cohort.pk))
    assert queue.status_code == 200 and "Publicité" in queue.text
    report = PostReport.objects.get()
    response = client.post(_url("reports", setup.cohort.pk), {"report": report.pk})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.resolved_by == setup.tutor
    assert "Aucun message signalé" in client.get(_url("reports", setup.cohort.pk)).text
    assert (
        "Publicité" in client.get(_url("reports", setup.cohort.pk) + "?resolved=1").text
    )


def test_learner_of_another_cohort_cannot_report(client, setup):
    """Reporting needs access to the forum (403 otherwise)."""
    post = _thread(setup).posts.get()
    client.force_login(make_cohort(learners=1).learners[0])
    response = client.post(
        _url("post_report", setup.cohort.pk, post.pk), {"reason": "Spam"}
    )
    assert response.status_code == 403
    assert not PostReport.objects.exists()


def test_group_tutor_sees_only_reports_of_their_scope(client, setup):
    """A group tutor's queue leaves out other groups' reports."""
    t1 = UserFactory(roles=[Role.TUTOR])
    g1 = make_group(setup.cohort, "G1", tutor=t1, members=[setup.learners[0]])
    g2 = make_group(setup.cohort, "G2", members=[setup.learners[1], setup.learners[2]])
    other = discussions.create_thread(
        setup.cohort, setup.learners[1], "Fil G2", "Bonjour", group=g2
    )
    discussions.report_post(other.posts.get(), setup.learners[2], "Motif G2")
    mine = discussions.create_thread(
        setup.cohort, setup.learners[0], "Fil G1", "Bonjour", group=g1
    )
    discussions.report_post(mine.posts.get(), setup.tutor, "Motif G1")
    client.force_login(t1)
    page = client.get(_url("reports", setup.cohort.pk)).text
    assert "Motif G1" in page and "Motif G2" not in page
    foreign = PostReport.objects.get(reason="Motif G2")
    response = client.post(_url("reports", setup.cohort.pk), {"report": foreign.pk})
    assert response.status_code == 404
