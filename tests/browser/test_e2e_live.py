"""End to end in Chromium for ``live``: joining a virtual class through the BBB
stand-in (a real process), the keyboard attendance sheet, QR check-in, and
axe-core (WCAG 2.1 A/AA) on the live pages. The site's Content-Security-Policy
stays in force, as for users."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from live.attendance import mark_half_day
from live.models import AttendanceRecord, VirtualClass
from live.polling import poll_class
from tests.browser.live_support import (
    axe_violations,
    bbb,  # noqa: F401 (fixture)
    main_text,
    standin_process,  # noqa: F401 (fixture)
    visitor,
)
from tests.factories.live import make_class, make_day
from tests.factories.tutoring import make_cohort

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIMULATOR_NOTICE = "Simulateur BigBlueButton de Tremplin"


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _attendees(standin, virtual_class) -> dict[str, dict]:
    meeting = standin.control("state")["meetings"][virtual_class.meeting_id]
    return {item["userID"]: item for item in meeting["attendees"]}


def _half_around_now() -> tuple[dt.time, dt.time]:
    """Local bounds of an afternoon "in progress" now (check-in is open)."""
    now = timezone.localtime()
    start = max(now - dt.timedelta(minutes=20), now.replace(hour=0, minute=0))
    end = min(now + dt.timedelta(hours=2), now.replace(hour=23, minute=59))
    return start.time().replace(second=0, microsecond=0), end.time().replace(
        second=0, microsecond=0
    )


# --- 1. joining a virtual class ------------------------------------------------------
def test_learner_and_tutor_join_a_class_through_the_simulator(
    browser,
    live_server,
    bbb,  # noqa: F811
):
    """The learner finds the class in the agenda, joins from the class page and
    lands in the simulated room as a viewer; the tutor joins as moderator; after
    a poll the tutor's class page lists the learner as connected."""
    setup = make_cohort(learners=2)
    learner, tutor = setup.learners[0], setup.tutor
    vc = make_class(setup.cohort, title="Classe de lancement")

    me = visitor(browser, live_server.url, learner)
    page = me.page
    page.goto(reverse("live:cohort_agenda", args=[setup.cohort.pk]))
    assert "Ouverte : vous pouvez la rejoindre." in main_text(page)
    page.get_by_role("link", name="Classe de lancement").click()
    page.wait_for_url(f"**{reverse('live:class_detail', args=[vc.uuid])}")
    assert page.get_by_role("note").filter(has_text="Mode simulateur").is_visible()
    state = page.get_by_role("status").filter(has_text="La classe est ouverte")
    assert state.is_visible()
    join = page.get_by_role("button", name="Rejoindre la classe")
    assert join.is_enabled()
    with me.context.expect_page() as opened:  # target=_blank, rel=noopener
        join.click()
    room = opened.value
    room.wait_for_load_state()
    assert me.csp_errors == [], me.csp_errors
    assert SIMULATOR_NOTICE in room.get_by_role("note").inner_text()
    assert f"{_name(learner)}, en tant que participant." in room.inner_text("main")
    assert axe_violations(room) == []
    attendee = _attendees(bbb, vc)[str(learner.pk)]
    assert attendee["role"] == "VIEWER"
    assert attendee["fullName"] == _name(learner)

    lead = visitor(browser, live_server.url, tutor)
    page = lead.page
    page.goto(reverse("live:class_detail", args=[vc.uuid]))
    connected = page.get_by_role("region", name="Connecté·es maintenant")
    assert "Personne n'est connecté" in connected.inner_text()
    with lead.context.expect_page() as opened:
        page.get_by_role("button", name="Ouvrir la classe (animateur·rice)").click()
    room = opened.value
    room.wait_for_load_state()
    assert f"{_name(tutor)}, en tant que modérateur." in room.inner_text("main")
    assert _attendees(bbb, vc)[str(tutor.pk)]["role"] == "MODERATOR"

    assert poll_class(VirtualClass.objects.get(pk=vc.pk)) == "polled"
    page.reload()
    connected = page.get_by_role("region", name="Connecté·es maintenant")
    people = connected.get_by_role("listitem")
    assert people.filter(has_text=_name(learner)).count() == 1
    assert "animateur·rice" in people.filter(has_text=_name(tutor)).inner_text()
    assert "État : en cours" in main_text(page)
    assert axe_violations(page) == []  # the tutor's class page, with its tools
    assert lead.csp_errors == [], lead.csp_errors


# --- 2. the attendance sheet with the keyboard ---------------------------------------
def test_attendance_sheet_with_the_keyboard_only(browser, live_server):
    """Tab into the sheet, P/A/E and the arrows mark the learners, the save
    button is reached with Tab and pressed with Enter; after a reload the marks
    are those typed; axe-core finds nothing."""
    setup = make_cohort(learners=3)
    day = make_day(setup.cohort, title="Journée de regroupement")
    rows = sorted(setup.learners, key=lambda u: (u.last_name, u.first_name, u.pk))
    tutor = visitor(browser, live_server.url, setup.tutor)
    page = tutor.page
    page.goto(reverse("live:day_sheet", args=[day.uuid]))
    help_text = page.locator("#sheet-help").inner_text()
    assert "P = présent, A = absent, E = excusé" in help_text
    assert axe_violations(page) == []

    def focused() -> dict:
        return page.evaluate(
            """() => {
              const el = document.activeElement;
              return {tag: el.tagName, type: el.type || "", name: el.name || "",
                      text: (el.textContent || "").trim()};
            }"""
        )

    for _ in range(60):  # from the top of the page to the first row
        page.keyboard.press("Tab")
        if focused()["type"] == "radio":
            break
    assert focused()["name"] == f"mark-{rows[0].pk}-am"
    page.keyboard.press("p")  # row 1 present, on to row 2
    page.keyboard.press("a")  # row 2 absent, on to row 3
    page.keyboard.press("ArrowUp")  # back to row 2
    page.keyboard.press("e")  # row 2 excused, on to row 3
    assert focused()["name"] == f"mark-{rows[2].pk}-am"
    page.keyboard.press("p")  # row 3 present (last row: focus stays)
    page.keyboard.press("ArrowRight")  # row 3: next value, absent
    # the last mark is announced to screen readers
    expect(page.locator("#sheet-status")).to_have_text(
        f"{_name(rows[2])}, matin : Présent"
    )
    summary = page.locator('[data-summary-half="am"]')
    assert summary.locator('[data-count="present"]').inner_text() == "1"
    assert summary.locator('[data-count="none"]').inner_text() == "0"

    for _ in range(20):  # on to the save button below the table
        page.keyboard.press("Tab")
        if focused()["text"] == "Enregistrer la feuille de présence":
            break
    assert focused()["tag"] == "BUTTON"
    # keyboard.press does not wait for the form's navigation: wait for it here.
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "Feuille de présence enregistrée (3 modification(s))." in main_text(page)

    page.reload()

    def checked(user, label):
        group = page.get_by_role("group", name=f"{_name(user)} — matin")
        return group.get_by_role("radio", name=label, exact=True).is_checked()

    assert checked(rows[0], "Présent")
    assert checked(rows[1], "Excusé")
    assert checked(rows[2], "Absent")
    assert not checked(rows[2], "Présent")
    assert axe_violations(page) == []
    assert tutor.csp_errors == [], tutor.csp_errors
    marks = dict(
        AttendanceRecord.objects.filter(day=day, half="am").values_list(
            "user_id", "status"
        )
    )
    assert marks == {rows[0].pk: "present", rows[1].pk: "excused", rows[2].pk: "absent"}


# --- 3. QR check-in ---------------------------------------------------------------------
def test_qr_check_in_then_replay_refused(browser, live_server, bbb):  # noqa: F811
    """The tutor's QR page shows an SVG code and its link; the learner opens the
    link, confirms and sees the confirmation; the same link again is refused."""
    setup = make_cohort(learners=1)
    learner = setup.learners[0]
    day = make_day(setup.cohort, morning=None, afternoon=_half_around_now())

    lead = visitor(browser, live_server.url, setup.tutor)
    lead.page.goto(reverse("live:day_qr", args=[day.uuid, "pm"]))
    code = lead.page.get_by_role("img", name="Code QR de pointage")
    assert code.locator("svg").is_visible()
    link = lead.page.locator("#live-qr-url")
    url = link.get_attribute("href")
    assert url.startswith(f"{live_server.url}/live/checkin/")
    assert link.inner_text() == url  # shown as text for those without a camera
    assert "Présences enregistrées par code : 0" in main_text(lead.page)
    assert axe_violations(lead.page) == []

    me = visitor(browser, live_server.url, learner)
    page = me.page
    page.goto(url)
    assert "Journée en présentiel" in main_text(page)
    page.get_by_role("button", name=f"Confirmer ma présence ({_name(learner)})").click()
    page.wait_for_load_state()
    confirmation = page.get_by_role("status").filter(has_text="Votre présence")
    assert "Votre présence est enregistrée (après-midi" in confirmation.inner_text()
    assert axe_violations(page) == []

    page.goto(url)
    refusal = page.get_by_role("alert")
    assert "Ce code a déjà été utilisé." in refusal.inner_text()
    assert page.get_by_role("button", name="Confirmer ma présence").count() == 0
    record = AttendanceRecord.objects.get(day=day, half="pm", user=learner)
    assert record.status == AttendanceRecord.Status.PRESENT
    assert me.csp_errors == [] and lead.csp_errors == []


# --- 4. axe-core on the live pages ----------------------------------------------------
def test_live_pages_pass_axe(browser, live_server, bbb):  # noqa: F811
    """Agenda (tutor and learner), class page (learner), attendance matrix,
    record with its correction form, my attendance, calendar links."""
    setup = make_cohort(learners=2)
    learner, tutor = setup.learners[0], setup.tutor
    now = timezone.now()
    vc = make_class(setup.cohort, title="Classe en cours")
    make_class(setup.cohort, title="Classe de demain", starts_at=now + dt.timedelta(1))
    past_day = make_day(
        setup.cohort,
        title="Journée passée",
        date=timezone.localdate() - dt.timedelta(2),
    )
    record, _ = mark_half_day(
        past_day, "am", learner.pk, "absent", source="sheet", by=tutor
    )
    mark_half_day(past_day, "pm", learner.pk, "present", source="sheet", by=tutor)
    mark_half_day(past_day, "am", setup.learners[1].pk, "excused", source="sheet")

    def check(seen, url, expected):
        seen.csp_errors.clear()
        seen.page.goto(url)
        assert expected in main_text(seen.page), url
        assert axe_violations(seen.page) == [], url
        assert seen.csp_errors == [], url  # the page's own scripts all run

    lead = visitor(browser, live_server.url, tutor)
    cohort = setup.cohort.pk
    check(lead, reverse("live:cohort_agenda", args=[cohort]), "Journée passée")
    expect(
        lead.page.get_by_role("link", name="Programmer une classe virtuelle")
    ).to_be_visible()
    check(lead, reverse("live:attendance", args=[cohort]), learner.last_name)
    check(lead, reverse("live:attendance_record", args=[record.pk]), "Corriger")
    expect(
        lead.page.get_by_role("button", name="Enregistrer la correction")
    ).to_be_visible()
    check(lead, reverse("live:calendar_links"), setup.cohort.title)

    me = visitor(browser, live_server.url, learner)
    check(me, reverse("live:cohort_agenda", args=[cohort]), "Classe de demain")
    check(me, reverse("live:class_detail", args=[vc.uuid]), "Rejoindre la classe")
    check(me, reverse("live:my_attendance", args=[cohort]), "Journée passée")
    check(me, reverse("live:calendar_links"), "Adresse de mon agenda")
    me.page.get_by_role("button", name="Copier").first.click()
    copied = me.page.get_by_role("status").filter(has_text="Adresse copiée.")
    expect(copied).to_be_visible()


def test_other_live_pages_pass_axe(browser, live_server, bbb):  # noqa: F811
    """Beyond the list: the forms and pages around them (schedule a class, add a
    day, the day page, justifications for the tutor and the learner)."""
    setup = make_cohort(learners=1)
    learner, tutor = setup.learners[0], setup.tutor
    day = make_day(setup.cohort, title="Journée d'atelier")
    cohort = setup.cohort.pk

    def check(seen, url, expected):
        seen.csp_errors.clear()
        seen.page.goto(url)
        assert expected in main_text(seen.page), url
        assert axe_violations(seen.page) == [], url
        assert seen.csp_errors == [], url

    lead = visitor(browser, live_server.url, tutor)
    check(lead, reverse("live:class_create", args=[cohort]), "Titre")
    check(lead, reverse("live:day_create", args=[cohort]), "Date")
    check(lead, reverse("live:day_detail", args=[day.uuid]), "Journée d'atelier")
    check(lead, reverse("live:justification_list", args=[cohort]), "ustificatif")

    me = visitor(browser, live_server.url, learner)
    check(me, reverse("live:day_detail", args=[day.uuid]), "Journée d'atelier")
    check(me, reverse("live:justify", args=[cohort]), "ustifi")
