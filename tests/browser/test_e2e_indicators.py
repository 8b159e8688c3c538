"""End to end in Chromium: an IFPC administrator filters the indicator
dashboard by its labelled controls; the page has no serious axe-core issue."""

import pytest
from django.conf import settings
from django.test import Client

from indicators.refresh import refresh
from lms.roles import Role
from lms.two_factor import AUTH_METHOD_OIDC, AUTH_METHOD_SESSION_KEY
from tests.browser.conftest import serious_axe_violations
from tests.factories import UserFactory
from tests.indicators import builders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dashboard_filters_by_label_and_passes_axe(browser, live_server):
    """Choosing "Province: Namur" and "Filtrer" shows Namur's figures; the
    dashboard (charts, tables, form) has no serious accessibility violation."""
    builders.build()
    refresh()
    admin = UserFactory(roles=[Role.ADMINISTRATOR])
    client = Client()
    client.force_login(admin)
    session = client.session
    session[AUTH_METHOD_SESSION_KEY] = AUTH_METHOD_OIDC  # signed in through SSO
    session.save()
    context = browser.new_context(
        base_url=live_server.url, bypass_csp=True, locale="fr-BE"
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto("/cms/indicators/")
    page.get_by_label("Année scolaire").select_option("2026")
    page.get_by_label("Province").select_option("namur")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url("**province=namur**")
    headline = page.locator(".indicators-headline")
    # Namur in 2026-2027: 3 accepted registrations (A on S1 and S2, B on S1).
    assert (
        headline.locator("div", has_text="Inscriptions acceptées")
        .locator("dd")
        .inner_text()
        == "3"
    )
    assert page.locator("svg[role='img']").count() >= 1
    assert serious_axe_violations(page) == []
    context.close()
