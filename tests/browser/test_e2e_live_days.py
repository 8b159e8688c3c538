"""In Chromium: the attendance sheet's keyboard entry and the QR screen (axe-clean)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from live.models import AttendanceRecord
from tests.browser.conftest import serious_axe_violations
from tests.factories.live import make_day
from tests.factories.tutoring import make_cohort

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill("un-mot-de-passe-solide")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def test_days_sheet_keyboard_entry_and_save(page):
    """P/A/E set the focused row and move down, arrows move, one Save records."""
    setup = make_cohort(learners=3)
    day = make_day(setup.cohort)
    rows = sorted(setup.learners, key=lambda u: (u.last_name, u.first_name, u.pk))
    _sign_in(page, setup.tutor)
    page.goto(reverse("live:day_sheet", args=[day.uuid]))
    first = page.locator(f'input[name="mark-{rows[0].pk}-am"][value="present"]')
    first.focus()
    page.keyboard.press("p")  # row 1 present, focus moves to row 2
    page.keyboard.press("a")  # row 2 absent, focus to row 3
    page.keyboard.press("ArrowUp")  # back to row 2
    page.keyboard.press("e")  # row 2 excused, focus to row 3
    page.keyboard.press("p")  # row 3 present
    status = page.locator("#sheet-status")
    status.wait_for(state="attached")
    summary = page.locator('[data-summary-half="am"] [data-count="present"]')
    assert summary.inner_text() == "2"
    assert serious_axe_violations(page) == []
    page.get_by_role("button", name="Enregistrer la feuille de présence").first.click()
    page.wait_for_load_state()
    marks = dict(
        AttendanceRecord.objects.filter(day=day, half="am").values_list(
            "user_id", "status"
        )
    )
    assert marks == {
        rows[0].pk: "present",
        rows[1].pk: "excused",
        rows[2].pk: "present",
    }
    # "Tous présents" with JS fills the radios; Save records them.
    page.get_by_role("button", name="Tous présents (après-midi)").click()
    assert (
        page.locator('[data-summary-half="pm"] [data-count="present"]').inner_text()
        == "3"
    )
    assert not AttendanceRecord.objects.filter(day=day, half="pm").exists()
    page.get_by_role("button", name="Enregistrer la feuille de présence").first.click()
    page.wait_for_load_state()
    assert AttendanceRecord.objects.filter(day=day, half="pm").count() == 3


def test_days_qr_screen_refreshes_the_code(page, settings):
    """The QR screen gets a new code from the JSON endpoint before expiry."""
    settings.LIVE_CHECKIN_TOKEN_SECONDS = 15  # refresh every 5 s
    setup = make_cohort()
    day = make_day(setup.cohort)
    _sign_in(page, setup.tutor)
    page.goto(reverse("live:day_qr", args=[day.uuid, "am"]))
    link = page.locator("#live-qr-url")
    before = link.inner_text()
    assert page.locator("#live-qr-code svg").is_visible()
    page.wait_for_function(
        "old => document.getElementById('live-qr-url').textContent !== old",
        arg=before,
        timeout=12000,
    )
    assert link.inner_text() != before
    assert serious_axe_violations(page) == []
