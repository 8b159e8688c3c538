"""End to end in Chromium for ``certification``: the teacher's portfolio and its
share links, public verification, the session close and manual issue, and the
dead letters of the staff space. Every page is checked with axe-core (WCAG 2.1
A/AA) under the site's real Content-Security-Policy, without console errors."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from certification.issuance import revoke_attestation
from certification.models import Attestation, Delivery, SessionClosure, ShareLink
from lms.roles import Role
from tests.browser.certification_support import tab_until, window
from tests.catalogue.builders_registrations import eager_tasks  # noqa: F401
from tests.certification.builders_rules import complete_all, make_rule_setup
from tests.certification.delivery_support import (
    issued,
    standin,  # noqa: F401 (fixture)
    standin_process,  # noqa: F401 (fixture)
)
from tests.factories import UserFactory
from tests.factories.certification import make_attestation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAIN_NAV = "Navigation principale"


@pytest.fixture(autouse=True)
def _no_background_tasks(monkeypatch):
    """Issuing and revoking enqueue no PDF rendering nor delivery (no worker runs
    here); the tests that need a task run it in-process (``eager_tasks``)."""
    monkeypatch.setattr("certification.issuance._after_commit", lambda ids: None)
    monkeypatch.setattr("certification.issuance._wake_delivery", lambda: None)


@pytest.fixture(autouse=True)
def _site_url(settings, live_server):
    """Absolute links (share links, verification URLs) lead to the live server."""
    settings.SITE_URL = live_server.url


def _teacher(**fields):
    return UserFactory(roles=[Role.TEACHER], **fields)


def _two_attestations(user) -> tuple[Attestation, Attestation]:
    """One attestation in 2024-2025 (8 h, 2.1 and 3.1), one in 2025-2026 (4,5 h, 2.1)."""
    older = make_attestation(
        user=user,
        training_code="NUM-ANC",
        training_title="Classe inversée",
        starts_on=dt.date(2025, 3, 3),
        ends_on=dt.date(2025, 3, 10),
        sync_hours=Decimal("6"),
        async_hours=Decimal("2"),
        competences=["2.1", "3.1"],
    )
    newer = make_attestation(
        user=user,
        training_code="NUM-REC",
        training_title="Évaluer avec le numérique",
        starts_on=dt.date(2025, 11, 13),
        ends_on=dt.date(2025, 11, 20),
        sync_hours=Decimal("3"),
        async_hours=Decimal("1.5"),
        competences=["2.1"],
    )
    return older, newer


def _cells(row) -> list[str]:
    return [text.strip() for text in row.locator("th, td").all_inner_texts()]


def _tampered(token: str) -> str:
    """The credential with one character of its payload changed."""
    header, payload, signature = token.split(".")
    middle = len(payload) // 2
    flipped = "B" if payload[middle] != "B" else "C"
    return f"{header}.{payload[:middle]}{flipped}{payload[middle + 1 :]}.{signature}"


# --- 1. the portfolio ----------------------------------------------------------------
def test_teacher_portfolio_shows_attestations_hours_chart_and_pdf(browser, live_server):
    """From the navigation the teacher reaches their portfolio: two attestations,
    hours per school year, the competence chart and its table, a PDF download."""
    teacher = _teacher(first_name="Zoé", last_name="Martin")
    older, newer = _two_attestations(teacher)
    me = window(browser, live_server.url, teacher)
    page = me.page

    nav = page.get_by_role("navigation", name=MAIN_NAV)
    nav.get_by_role("link", name="Mon portfolio").click()
    page.wait_for_url(f"**{reverse('certification:portfolio')}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon portfolio")

    mine = page.get_by_role("region", name="Mes attestations")
    rows = mine.locator("tbody tr.attestation")
    expect(rows).to_have_count(2)
    # newest first
    expect(rows.nth(0)).to_have_attribute("data-uuid", str(newer.uuid))
    expect(rows.nth(0)).to_contain_text("NUM-REC — Évaluer avec le numérique")
    expect(rows.nth(0)).to_contain_text("4,5 h (3 h synchrones, 1,5 h asynchrones)")
    expect(rows.nth(1)).to_contain_text("NUM-ANC — Classe inversée")
    expect(rows.nth(1)).to_contain_text("8 h (6 h synchrones, 2 h asynchrones)")

    years = page.get_by_role("region", name="Heures par année scolaire")
    table = years.get_by_role("table")
    assert _cells(table.locator("tbody tr").nth(0)) == [
        "2025-2026",
        "3 h",
        "1,5 h",
        "4,5 h",
        "1",
    ]
    assert _cells(table.locator("tbody tr").nth(1)) == [
        "2024-2025",
        "6 h",
        "2 h",
        "8 h",
        "1",
    ]
    assert _cells(table.locator("tfoot tr")) == [
        "Toutes les années",
        "9 h",
        "3,5 h",
        "12,5 h",
        "2",
    ]

    competences = page.get_by_role("region", name="Compétences DigCompEdu travaillées")
    chart = competences.get_by_role(
        "img", name=re.compile(r"^Heures de formation attestées par compétence")
    )
    expect(chart).to_be_visible()
    assert chart.evaluate("el => el.tagName.toLowerCase()") == "svg"
    expect(chart.locator("g.chart-row")).to_have_count(2)
    expect(chart.locator("desc")).to_contain_text("2.1")
    expect(chart.locator("desc")).to_contain_text("12,5 h, 2 attestations")
    chart_table = competences.locator("#competence-table")
    first = chart_table.locator('tr[data-competence="2.1"]')
    assert _cells(first)[1:] == ["2", "12,5 h"]
    second = chart_table.locator('tr[data-competence="3.1"]')
    assert _cells(second)[1:] == ["1", "8 h"]
    me.check()

    link = mine.get_by_role("link", name=re.compile(r"^PDF — NUM-ANC"))
    href = link.get_attribute("href")
    assert href == reverse("certification:attestation_pdf", args=[older.uuid])
    response = page.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")
    with page.expect_download() as started:
        link.click()
    download = started.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as stored:
        assert stored.read(5) == b"%PDF-"
    assert me.errors == [], me.errors


# --- 2. share links ------------------------------------------------------------------
def test_share_link_made_with_the_keyboard_then_revoked(browser, live_server):
    """The teacher creates a 90-day link with the keyboard only and copies it; an
    anonymous visitor sees the attestations read-only, then a 410 once revoked."""
    teacher = _teacher(first_name="Zoé", last_name="Martin")
    older, newer = _two_attestations(teacher)
    me = window(browser, live_server.url, teacher)
    me.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = me.page
    page.goto(reverse("certification:share_links"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Partager mon portfolio")
    me.check()

    tab_until(page, lambda el: el["id"] == "id_label")
    page.keyboard.type("Inspection, juin")
    assert tab_until(page, lambda el: el["id"] == "id_days")["tag"] == "SELECT"
    assert page.locator("#id_days").input_value() == "30"
    page.keyboard.press("ArrowDown")  # 30 days → 90 days
    assert page.locator("#id_days").input_value() == "90"
    tab_until(page, lambda el: el["text"] == "Créer le lien")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    created = page.get_by_role("status", name="Lien créé pour « Inspection, juin »")
    expect(created).to_contain_text("il ne sera plus jamais affiché")
    url_field = created.get_by_label("Lien de partage")
    url_field.focus()
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.press("ControlOrMeta+C")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == url_field.input_value()
    assert copied.startswith(f"{live_server.url}/certification/shared-portfolios/")
    link = ShareLink.objects.get(user=teacher)
    expected = timezone.now() + dt.timedelta(days=90)
    assert abs((link.expires_at - expected).total_seconds()) < 120
    listed = page.get_by_role("region", name="Mes liens de partage")
    row = listed.locator("tbody tr", has_text="Inspection, juin")
    expect(row).to_contain_text("Actif")
    me.check()

    visitor = window(browser, live_server.url)
    shared = visitor.page
    response = shared.goto(copied)
    assert response.status == 200
    expect(shared.get_by_role("heading", level=1)).to_have_text(
        "Portfolio de formation de Zoé Martin"
    )
    cards = shared.locator("main li.card")
    expect(cards).to_have_count(2)
    expect(cards.filter(has_text="NUM-ANC Classe inversée")).to_contain_text("8 h")
    expect(cards.filter(has_text="NUM-REC")).to_contain_text("4,5 h")
    verify = shared.get_by_role("link", name="Vérifier cette attestation NUM-REC")
    assert verify.get_attribute("href") == reverse(
        "certification:verify", args=[newer.uuid]
    )
    # read-only: nothing to submit, nothing to edit
    assert shared.locator("main form, main input, main textarea").count() == 0
    visitor.check()

    with page.expect_navigation():
        row.get_by_role("button", name="Révoquer Inspection, juin").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Le lien « Inspection, juin » est révoqué : il ne fonctionne plus."
    )
    row = page.locator("tbody tr", has_text="Inspection, juin")
    expect(row).to_contain_text("Révoqué")
    expect(row.get_by_role("button")).to_have_count(0)
    me.check()

    visitor.expected_statuses.add(410)
    response = shared.reload()
    assert response.status == 410
    expect(shared.get_by_role("heading", level=1)).to_have_text(
        "Ce lien de partage a été révoqué"
    )
    assert "Demandez-lui un nouveau lien" in shared.locator("main").inner_text()
    assert str(older.uuid) not in shared.content()
    visitor.check()


# --- 3. public verification ----------------------------------------------------------
def test_public_verification_valid_revoked_and_tampered(browser, live_server):
    """An anonymous visitor sees a valid attestation with its signed content, a
    revoked one with its reason, and a pasted tampered credential refused."""
    holder = _teacher(first_name="Zoé", last_name="Martin", matricule="4242")
    valid, revoked = _two_attestations(holder)
    revoke_attestation(
        revoked,
        by=UserFactory(roles=[Role.ADMINISTRATOR]),
        reason="Session annulée par l'opérateur",
    )
    anyone = window(browser, live_server.url)
    page = anyone.page

    page.goto(reverse("certification:verify", args=[valid.uuid]))
    banner = page.get_by_role("status").filter(has_text="Attestation valide")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("La signature est correcte")
    content = page.get_by_role("table", name="Contenu signé")
    expected = {
        "Titulaire": "Zoé Martin",
        "Matricule": "4242",
        "Code de la formation": "NUM-ANC",
        "Formation": "Classe inversée",
        "Début": "03/03/2025",
        "Fin": "10/03/2025",
        "Total des heures": "8",
        "Identifiant de l'attestation": f"urn:uuid:{valid.uuid}",
    }
    for label, value in expected.items():
        row = content.get_by_role("row", name=re.compile(f"^{re.escape(label)} "))
        assert _cells(row.first) == [label, value], label
    expect(content).to_contain_text("2.1 Sélection de ressources numériques")
    anyone.check()

    page.goto(reverse("certification:verify", args=[revoked.uuid]))
    alert = page.get_by_role("alert").filter(has_text="Attestation révoquée")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Motif : Session annulée par l'opérateur")
    expect(page.locator("body")).not_to_contain_text("Attestation valide")
    anyone.check()

    page.get_by_role("link", name="Vérifier une autre attestation signée (JWT)").click()
    page.wait_for_url(f"**{reverse('certification:verify_token')}")
    page.get_by_label("Attestation signée (JWT)").fill(_tampered(valid.credential))
    with page.expect_navigation():
        page.get_by_role("button", name="Vérifier", exact=True).click()
    alert = page.get_by_role("alert").filter(has_text="Attestation non valide")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Signature invalide")
    expect(
        page.get_by_role("table", name="Contenu annoncé (non vérifié)")
    ).to_be_visible()
    anyone.check()


# --- 4. session close and manual issue -----------------------------------------------
@pytest.mark.usefixtures("eager_tasks")
def test_staff_close_a_session_and_manual_issue_needs_a_reason(browser, live_server):
    """The catalogue manager closes an ended session (the bulk issue runs), sees
    100 % and the attestations; a manual issue without a reason is refused."""
    setup = make_rule_setup(learners=2)
    alice, bob = setup.learners
    # Completing every activity is a domain event: the rule holds, so the
    # completion attestation is issued at once; the close adds participation.
    complete_all(setup, alice)
    assert list(
        Attestation.objects.filter(user=alice).values_list("kind", "origin")
    ) == [("completion", "rule")]
    manager = UserFactory(roles=[Role.CATALOGUE_MANAGER])
    staff = window(browser, live_server.url, manager)
    page = staff.page

    page.goto(reverse("certification:sessions"))
    page.get_by_role("link", name=setup.session.code, exact=True).click()
    page.wait_for_url(
        f"**{reverse('certification:session_attestations', args=[setup.session.pk])}"
    )
    expect(page.locator("#closure-status")).to_have_text(
        "La session n'a pas encore été clôturée."
    )
    staff.check()

    with page.expect_navigation():
        page.get_by_role(
            "button", name="Clôturer la session et émettre les attestations"
        ).click()
    expect(page.locator(".messages").first).to_contain_text("Clôture lancée")
    progress = page.get_by_label("Progression")
    expect(progress).to_have_attribute("value", "100")
    expect(page.locator("#closure-status")).to_have_text(
        "État : terminée — 2 apprenant·es traité·es sur 2, 1 attestation(s) émise(s)."
    )
    learners = page.get_by_role("region", name="Évaluation des apprenant·es")
    alice_row = learners.get_by_role("row").filter(has_text=alice.email)
    expect(alice_row).to_contain_text(
        "Attestation de participation (clôture de session"
    )
    expect(alice_row).to_contain_text("Attestation de réussite (règle de réussite")
    expect(learners.get_by_role("row").filter(has_text=bob.email)).to_contain_text(
        "Aucune"
    )
    expect(page.get_by_role("button", name="Relancer la clôture")).to_be_enabled()
    closure = SessionClosure.objects.get(session=setup.session)
    assert (closure.state, closure.percent) == ("done", 100)
    staff.check()

    manual = page.get_by_role("region", name="Émission manuelle")
    manual.get_by_label("Apprenant·e").fill(bob.email)
    manual.get_by_label("Type d'attestation").select_option("completion")
    manual.get_by_label("Motif").fill("   ")
    staff.expected_statuses.add(400)
    with page.expect_navigation():
        manual.get_by_role("button", name="Émettre l'attestation").click()
    manual = page.get_by_role("region", name="Émission manuelle")
    expect(manual.locator("#id_reason_errors")).to_have_text(
        "Indiquez le motif de l'émission manuelle."
    )
    expect(manual.get_by_label("Apprenant·e")).to_have_value(bob.email)
    assert not Attestation.objects.filter(user=bob).exists()
    staff.check()


# --- 5. dead letters -----------------------------------------------------------------
@pytest.mark.usefixtures("eager_tasks")
def test_staff_retry_a_dead_delivery_to_the_staff_space(
    browser,
    live_server,
    standin,  # noqa: F811
):
    """IFPC staff find a refused delivery under "Livraisons Mon Espace", press
    "Relancer": the stand-in receives it and the row leaves the dead letters."""
    (attestation,) = issued()
    Delivery.objects.filter(attestation=attestation).update(
        state=Delivery.State.DEAD,
        attempts=1,
        first_attempt_at=timezone.now(),
        last_status_code=422,
        last_error="Refus 422 : champ « person.email » invalide",
    )
    manager = UserFactory(roles=[Role.CATALOGUE_MANAGER])
    staff = window(browser, live_server.url, manager)
    page = staff.page

    nav = page.get_by_role("navigation", name=MAIN_NAV)
    nav.get_by_role("link", name="Livraisons Mon Espace").click()
    page.wait_for_url(f"**{reverse('certification:deliveries')}")
    filters = page.get_by_role("navigation", name="Filtrer par état")
    current = filters.locator('[aria-current="page"]')
    expect(current).to_have_text("En échec, à relancer (1)")
    table = page.get_by_role("table", name=re.compile(r"^1 livraison"))
    row = table.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(attestation.holder_name)
    expect(row).to_contain_text("HTTP 422")
    expect(row).to_contain_text("champ « person.email » invalide")
    staff.check()

    with page.expect_navigation():
        row.get_by_role(
            "button", name=f"Relancer la livraison de {attestation.holder_name}"
        ).click()
    expect(page.locator(".messages").first).to_contain_text(
        f"La livraison de l'attestation {attestation.training_code} — "
        f"{attestation.holder_name} est relancée."
    )
    expect(current).to_have_text("En échec, à relancer (0)")
    expect(page.locator("main")).to_contain_text("Aucune livraison en échec")
    expect(filters.get_by_role("link", name="Reçue (1)")).to_be_visible()
    staff.check()

    filters.get_by_role("link", name="Reçue (1)").click()
    page.wait_for_url("**state=delivered*")
    row = page.locator("main table tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(attestation.holder_name)
    expect(row).to_contain_text("HTTP 201")
    expect(row).to_contain_text("Accusé de réception")
    staff.check()

    delivery = Delivery.objects.get(attestation=attestation)
    assert delivery.state == Delivery.State.DELIVERED
    assert delivery.attempts == 2
    received = standin.state()
    assert list(received["attestations"]) == [str(attestation.uuid)]
    assert received["attestations"][str(attestation.uuid)]["deliveries"] == 1
