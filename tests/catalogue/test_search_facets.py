"""Facet counts of the catalogue search, against a hand-computed set of trainings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from catalogue.models import Session
from catalogue.selectors import CatalogueQuery, search_catalogue
from tests.factories.catalogue import make_session, make_training


def month_in(days: int) -> str:
    return f"{timezone.localdate() + dt.timedelta(days=days):%Y-%m}"


def counts(query: CatalogueQuery) -> dict[str, dict[str, int]]:
    results = search_catalogue(query)
    return {f.name: {v.value: v.count for v in f.values} for f in results.facets}


@pytest.fixture
def catalogue_set(db):
    """Four live trainings (A–D) and a draft; counts below are worked out by hand."""
    a = make_training(
        code="A",
        modality="presentiel",
        levels=["primaire"],
        audiences=["enseignant"],
        competences=["2.1", "3.1"],
        sync_hours=6,
        async_hours=0,
    )
    make_session(a, starts_in_days=20, postal_code="5000")
    b = make_training(
        code="B",
        modality="hybride",
        levels=["primaire", "secondaire_inferieur"],
        audiences=["enseignant", "directeur"],
        competences=["4.1"],
        sync_hours=3,
        async_hours=2,
    )
    make_session(
        b, starts_in_days=40, postal_code="4000", status=Session.Status.PLANNED
    )
    c = make_training(
        code="C",
        modality="hybride",
        levels=["secondaire_superieur"],
        audiences=["ctp"],
        competences=["3.1", "4.2"],
        sync_hours=20,
        async_hours=15,
    )
    make_session(c, starts_in_days=20, is_online=True)
    make_session(
        c, starts_in_days=70, postal_code="5000", status=Session.Status.CANCELLED
    )
    make_training(
        code="D",
        modality="en_ligne",
        levels=[],
        audiences=["enseignant"],
        sync_hours=10,
        async_hours=10,
    )
    make_training(
        code="E-DRAFT",
        modality="presentiel",
        levels=["primaire"],
        competences=["2.1"],
        live=False,
    )


def test_facet_counts_without_filters(catalogue_set):
    """Each value counts the live trainings carrying it; drafts and cancelled sessions don't count."""
    result = counts(CatalogueQuery())
    assert result["modality"] == {"presentiel": 1, "hybride": 2, "en_ligne": 1}
    assert result["level"] == {
        "primaire": 2,
        "secondaire_inferieur": 1,
        "secondaire_superieur": 1,
    }
    assert result["audience"] == {"enseignant": 3, "directeur": 1, "ctp": 1}
    assert result["area"] == {"2": 1, "3": 2, "4": 2}
    assert result["competence"] == {"2.1": 1, "3.1": 2, "4.1": 1, "4.2": 1}
    assert result["province"] == {"namur": 1, "liege": 1, "en_ligne": 1}
    assert result["hours"] == {"lt6": 1, "6-12": 1, "12-30": 1, "gt30": 1}
    assert result["open"] == {"1": 2}
    expected_months: dict[str, int] = {}
    for days in (20, 40):  # A and C at +20, B at +40; C's cancelled one is left out
        expected_months[month_in(days)] = expected_months.get(month_in(days), 0)
    expected_months[month_in(20)] += 2
    expected_months[month_in(40)] += 1
    assert result["month"] == expected_months
    assert search_catalogue(CatalogueQuery()).count == 4


def test_facet_counts_are_disjunctive(catalogue_set):
    """A facet's counts apply every other active filter but not its own."""
    query = CatalogueQuery(filters={"modality": ("hybride",), "level": ("primaire",)})
    results = search_catalogue(query)
    assert results.count == 1 and [t.code for t in results.trainings] == ["B"]
    result = counts(query)
    assert result["modality"] == {"presentiel": 1, "hybride": 1}
    assert result["level"] == {
        "primaire": 1,
        "secondaire_inferieur": 1,
        "secondaire_superieur": 1,
    }
    assert result["audience"] == {"enseignant": 1, "directeur": 1}
    assert result["open"] == {}


def test_values_of_one_facet_combine_with_or(catalogue_set):
    """Two values of one facet widen the result; the facet's own counts stay put."""
    query = CatalogueQuery(filters={"modality": ("hybride", "en_ligne")})
    results = search_catalogue(query)
    assert sorted(t.code for t in results.trainings) == ["B", "C", "D"]
    assert counts(query)["modality"] == {"presentiel": 1, "hybride": 2, "en_ligne": 1}


def test_open_month_province_and_hours_filters(catalogue_set):
    """Open, month, province and hours filters select the expected trainings."""

    def found(**filters: tuple[str, ...]) -> list[str]:
        query = CatalogueQuery(filters=filters)
        return sorted(t.code for t in search_catalogue(query).trainings)

    assert found(open=("1",)) == ["A", "C"]
    assert found(province=("liege",)) == ["B"]
    assert found(province=("namur",)) == ["A"]
    assert found(hours=("gt30", "lt6")) == ["B", "C"]
    assert found(month=(month_in(40),)) == (
        ["A", "B", "C"] if month_in(40) == month_in(20) else ["B"]
    )
    assert found(area=("4",), audience=("ctp",)) == ["C"]


def test_selected_value_with_no_match_stays_visible(catalogue_set):
    """A chosen value keeps showing (count 0) so that it can be unticked."""
    query = CatalogueQuery(filters={"level": ("specialise",)})
    results = search_catalogue(query)
    assert results.count == 0
    level = next(f for f in results.facets if f.name == "level")
    assert [(v.value, v.count, v.selected) for v in level.values if v.selected] == [
        ("specialise", 0, True)
    ]


def test_text_and_facets_combine(catalogue_set, db):
    """Facet counts cover only the trainings matching the text."""
    make_training(code="F", title="Initiation à la robotique", modality="presentiel")
    result = counts(CatalogueQuery(text="robotiques"))
    assert result["modality"] == {"presentiel": 1}
    assert result["level"] == {}


def test_month_beyond_the_bit_window_still_filters(db):
    """A session years ahead is found by its month through the stored month list."""
    far = make_training(code="FAR")
    session = make_session(far, starts_in_days=31 * 50)
    month = f"{session.starts_on:%Y-%m}"
    found = search_catalogue(CatalogueQuery(filters={"month": (month,)}))
    assert [t.code for t in found.trainings] == ["FAR"]
    assert found.count == 1
