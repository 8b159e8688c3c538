"""Full-text search of live trainings: accents, French word forms, relevance, index upkeep."""

from __future__ import annotations

import pytest

from catalogue import search
from catalogue.models import Session, TrainingSearchEntry
from catalogue.selectors import CatalogueQuery, search_catalogue
from tests.factories.catalogue import make_session, make_training


def codes(query: CatalogueQuery) -> list[str]:
    return [t.code for t in search_catalogue(query).trainings]


# --- Normalisation (no database) ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Numérique", "numerique"),
        ("ÉVALUATION", "evaluation"),
        ("Œuvre à l'école", "oeuvre a l'ecole"),
        ("français", "francais"),
    ],
)
def test_fold_removes_accents_and_case(text, folded):
    """Folding lower-cases and strips accents and ligatures."""
    assert search.fold(text) == folded


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("evaluer", "evaluation"),
        ("evaluations", "evaluer"),
        ("numerique", "numeriques"),
        ("pedagogie", "pedagogique"),
        ("enseignement", "enseignant"),
    ],
)
def test_light_stem_joins_word_forms(first, second):
    """Word forms of one French word share their light stem."""
    assert search.light_stem(first) == search.light_stem(second)


def test_light_stem_keeps_short_words():
    """A stem never gets shorter than three letters."""
    assert search.light_stem("ses") == "ses"
    assert search.light_stem("ame") == "ame"


def test_query_words_drop_stop_words_and_operators():
    """Stop words, single letters and tsquery operators never reach the query."""
    assert search.query_words("L'évaluation & le numérique | !x:*") == [
        "evaluation",
        "numerique",
    ]
    assert search.query_words("   ") == []


def test_normalised_document_holds_words_and_stems():
    """The fallback document has each folded word and its stem, space-delimited."""
    document = search.normalised_document("Évaluer autrement")
    assert document.startswith(" ") and document.endswith(" ")
    assert " evaluer " in document and " evalu " in document


@pytest.mark.parametrize(
    ("hours", "bucket"),
    [
        (0, "lt6"),
        (5.5, "lt6"),
        (6, "6-12"),
        (12, "6-12"),
        (12.5, "12-30"),
        (30, "12-30"),
        (31, "gt30"),
    ],
)
def test_hours_bucket_boundaries(hours, bucket):
    """Hours fall in <6, 6–12 (inclusive), 12–30 (inclusive) or >30."""
    from decimal import Decimal

    assert search.hours_bucket(Decimal(str(hours))) == bucket


# --- PostgreSQL full-text search ---------------------------------------------------


@pytest.fixture
def corpus(db):
    """Four live trainings with distinct vocabulary and one draft."""
    return {
        "num": make_training(
            code="T-NUM",
            title="Le numérique au service des apprentissages",
            summary="Des outils pour la classe.",
        ),
        "eval": make_training(
            code="T-EVAL",
            title="Pratiques d'évaluation formative",
            summary="Construire des grilles critériées.",
        ),
        "summary_only": make_training(
            code="T-SUM",
            title="Conduire un projet de classe",
            summary="Comment évaluer les projets avec des outils numériques.",
        ),
        "programme": make_training(
            code="T-PROG",
            title="Coopérer en équipe",
            summary="Travail collaboratif entre collègues.",
            programme="<p>Jour 2 : l'auto-évaluation des élèves.</p>",
        ),
        "draft": make_training(
            code="T-DRAFT",
            title="Brouillon sur l'évaluation numérique",
            live=False,
        ),
    }


def test_postgres_search_ignores_accents(corpus):
    """ "numerique" finds "numérique" in titles and summaries, never the draft."""
    found = codes(CatalogueQuery(text="numerique"))
    assert set(found) == {"T-NUM", "T-SUM"}


def test_postgres_search_matches_french_word_forms(corpus):
    """ "évaluer" finds "évaluation" and "auto-évaluation"; the draft stays hidden."""
    found = codes(CatalogueQuery(text="évaluer"))
    assert set(found) == {"T-EVAL", "T-SUM", "T-PROG"}
    assert set(codes(CatalogueQuery(text="EVALUATIONS"))) == set(found)


def test_postgres_relevance_ranks_title_above_summary_and_programme(corpus):
    """A title match ranks first, then the summary, then the programme."""
    assert codes(CatalogueQuery(text="évaluation")) == ["T-EVAL", "T-SUM", "T-PROG"]


def test_search_requires_every_word(corpus):
    """Several words narrow the search (AND), in any order and form."""
    assert codes(CatalogueQuery(text="outils numeriques evaluer")) == ["T-SUM"]


def test_search_matches_word_prefixes(corpus):
    """A word being typed matches as a prefix ("numér" finds "numérique")."""
    assert set(codes(CatalogueQuery(text="numér"))) == {"T-NUM", "T-SUM"}


def test_fallback_matching_gives_the_same_results(corpus, monkeypatch):
    """Without PostgreSQL search, the folded-stem document finds the same trainings."""
    monkeypatch.setattr(search, "uses_postgres_search", lambda: False)
    assert set(codes(CatalogueQuery(text="numerique"))) == {"T-NUM", "T-SUM"}
    assert set(codes(CatalogueQuery(text="évaluer"))) == {"T-EVAL", "T-SUM", "T-PROG"}
    # Title matches come first without ts_rank too.
    assert codes(CatalogueQuery(text="évaluation"))[0] == "T-EVAL"


def test_sort_by_date_orders_by_next_session(db):
    """Sorting by date lists the soonest session first, trainings without one last."""
    later = make_training(code="T-LATER", title="Numérique B")
    sooner = make_training(code="T-SOON", title="Numérique C")
    make_training(code="T-NONE", title="Numérique A")
    make_session(later, starts_in_days=60)
    make_session(sooner, starts_in_days=10)
    make_session(sooner, starts_in_days=90)
    assert codes(CatalogueQuery(text="numerique", sort="date")) == [
        "T-SOON",
        "T-LATER",
        "T-NONE",
    ]


# --- Index upkeep -------------------------------------------------------------------


def test_draft_has_no_search_row(db):
    """Only live trainings are indexed."""
    draft = make_training(live=False)
    assert not TrainingSearchEntry.objects.filter(pk=draft.pk).exists()


def test_unpublishing_removes_training_from_search(
    db, django_capture_on_commit_callbacks
):
    """Unpublishing a training takes it out of search once committed."""
    training = make_training(code="T-GONE", title="Numérique éphémère")
    assert codes(CatalogueQuery(text="ephemere")) == ["T-GONE"]
    with django_capture_on_commit_callbacks(execute=True):
        training.unpublish()
    assert codes(CatalogueQuery(text="ephemere")) == []


def test_publishing_indexes_live_content_not_later_drafts(
    db, django_capture_on_commit_callbacks
):
    """The index follows publications; a later unpublished draft changes nothing."""
    training = make_training(code="T-PUB", title="Titre publié", live=False)
    with django_capture_on_commit_callbacks(execute=True):
        training.get_latest_revision().publish()
    assert codes(CatalogueQuery(text="publie")) == ["T-PUB"]
    training.refresh_from_db()
    training.title = "Titre secret en brouillon"
    with django_capture_on_commit_callbacks(execute=True):
        training.save_revision()
    search.refresh_training_entry(training.pk)
    assert codes(CatalogueQuery(text="secret")) == []
    assert codes(CatalogueQuery(text="publie")) == ["T-PUB"]


def test_session_changes_refresh_the_row(db, django_capture_on_commit_callbacks):
    """Saving or cancelling a session updates months, provinces and openness."""
    training = make_training()
    session = make_session(training, starts_in_days=20, postal_code="4000")
    entry = TrainingSearchEntry.objects.get(pk=training.pk)
    assert entry.provinces == "|liege|" and entry.next_session_on == session.starts_on
    with django_capture_on_commit_callbacks(execute=True):
        session.status = Session.Status.CANCELLED
        session.save()
    entry.refresh_from_db()
    assert entry.provinces == "" and entry.next_session_on is None
    assert entry.open_until is None


def test_rebuild_index_command(db):
    """The rebuild command indexes every live training and only them."""
    from django.core.management import call_command

    live = make_training(title="Numérique")
    make_training(live=False)
    TrainingSearchEntry.objects.all().delete()
    call_command("rebuild_catalogue_index", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert list(TrainingSearchEntry.objects.values_list("pk", flat=True)) == [live.pk]
    assert codes(CatalogueQuery(text="numerique")) == [live.code]


def test_seat_only_session_saves_do_not_refresh_the_row(
    db, django_capture_on_commit_callbacks
):
    """Saving only the seat count (a registration) schedules no index refresh."""
    training = make_training()
    session = make_session(training)
    with django_capture_on_commit_callbacks() as callbacks:
        session.seats_taken = 1
        session.save(update_fields=["seats_taken", "updated_at"])
    assert callbacks == []
    with django_capture_on_commit_callbacks() as callbacks:
        session.save(update_fields=["seats_taken", "status", "updated_at"])
    # (tutoring also reacts to a status change: it may open the session's cohort)
    assert len([c for c in callbacks if c.__module__.startswith("catalogue")]) == 1
