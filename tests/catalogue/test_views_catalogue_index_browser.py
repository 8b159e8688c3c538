"""The catalogue index in Chromium: filters usable with the keyboard, no serious axe violation."""

from __future__ import annotations

import pytest

from tests.browser.conftest import browser, page, serious_axe_violations  # noqa: F401
from tests.factories.catalogue import catalogue_index, make_session, make_training

pytestmark = [
    pytest.mark.browser,
    # Restores the migrations' data (site, vocabularies) other transactional tests flush.
    pytest.mark.django_db(transaction=True),
]


def test_filter_with_the_keyboard_and_share_the_url(page):  # noqa: F811
    """A keyboard user ticks a facet, applies it, and lands on a shareable filtered URL."""
    first = make_training(
        title="Évaluer avec le numérique", modality="presentiel", competences=["4.1"]
    )
    make_session(first, starts_in_days=15)
    make_training(title="Robotique en classe", modality="hybride", levels=["primaire"])
    make_training(title="Classe inversée", modality="hybride")
    url = catalogue_index().url

    page.goto(url)
    assert (
        page.get_by_role("status")
        .filter(has_text="formations trouvées")
        .inner_text()
        .startswith("3")
    )
    assert serious_axe_violations(page) == []

    checkbox = page.get_by_role("group", name="Modalité").get_by_role(
        "checkbox", name="Hybride"
    )
    checkbox.focus()
    page.keyboard.press("Space")
    assert checkbox.is_checked()
    page.get_by_role("button", name="Appliquer les filtres").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**modality=hybride**")
    assert (
        "2 formations trouvées"
        in page.get_by_role("status").filter(has_text="formations").inner_text()
    )
    assert page.get_by_role("link", name="Robotique en classe").is_visible()
    assert page.get_by_role("link", name="Évaluer avec le numérique").count() == 0
    assert serious_axe_violations(page) == []

    page.get_by_label("Rechercher une formation").fill("evaluer")
    page.get_by_role("button", name="Rechercher", exact=True).click()
    page.wait_for_url("**q=evaluer**")
    assert "Aucune formation trouvée" in page.locator("#results-count").inner_text()
    page.get_by_role("link", name="Effacer tous les filtres").click()
    page.wait_for_url("**q=evaluer")
    assert page.get_by_role("link", name="Évaluer avec le numérique").is_visible()
    assert serious_axe_violations(page) == []
