"""No scoring key and no IRT parameter ever reaches the teacher's pages."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from certification.models import Item
from certification.models.selftest import SEED_DIFFICULTY
from certification.selftest import attempts
from certification.selftest.bank import bump_bank_version
from tests.certification.selftest_taking_support import (
    ATTEMPT_URL,
    take_through_pages,
)
from tests.factories.selftest import make_blueprint, make_item

pytestmark = pytest.mark.django_db


def typed_bank(item_type: str, competence: str = "3.1") -> list[Item]:
    """Items of one type with distinctive parameters and numeric key."""
    items = []
    for k, (level, b) in enumerate(SEED_DIFFICULTY.items()):
        for j in range(2):
            item = make_item(
                competence,
                level,
                item_type=item_type,
                a=1.4107 + 0.0731 * (2 * k + j),
                b=b + 0.013579 * (j + 1),
            )
            if item_type == Item.Type.NUMERIC:
                item.numeric_answer = Decimal("4817.2500")
                item.numeric_tolerance = Decimal("0.0371")
                item.numeric_unit = "Mo"
                item.save()
            items.append(item)
    bump_bank_version()
    return items


def secrets_of(items: list[Item]) -> list[str]:
    """Strings that would betray a key or a parameter if found in a page."""
    values = ["is_correct", "numeric_answer", "4817", "0.0371", "0,0371"]
    for item in items:
        for number in (item.a, item.b):
            values += [repr(number), repr(number).replace(".", ",")]
            values.append(f"{number:.3f}")
    return values


def assert_no_secret(body: str, items: list[Item]) -> None:
    for secret in secrets_of(items):
        assert secret not in body, secret


@pytest.mark.parametrize(
    ("item_type", "control"),
    [
        ("single_choice", 'type="radio"'),
        ("multiple_choice", 'type="checkbox"'),
        ("ordering", "<select"),
        ("numeric", 'inputmode="decimal"'),
    ],
)
def test_item_page_shows_the_form_but_not_the_key(client, teacher, item_type, control):
    """Each item type renders its accessible control, unmarked, without parameters."""
    items = typed_bank(item_type)
    blueprint = make_blueprint(("3.1",))
    attempt = attempts.start_attempt(teacher, blueprint)
    client.force_login(teacher)
    response = client.get(ATTEMPT_URL.format(attempt.uuid))
    html = response.text
    served = response.context["served"]
    assert control in html
    assert_no_secret(html, items)
    start = html.index('class="selftest-form"')
    form = html[start : html.index("</form>", start)]
    assert " checked" not in form
    assert " selected" not in form
    assert "data-correct" not in form
    # Options are named by their place 1 … n, never by their database id
    # (ids follow the authoring order, the key of an ordering item).
    if item_type != "numeric":
        assert re.findall(
            r'(?:type="(?:radio|checkbox)"[^>]*|<option) value="(\d+)"', form
        )[:3] == ["1", "2", "3"]
        for pk, _text in served.options:
            if pk > len(served.options):
                assert f'value="{pk}"' not in form
    # Options appear in the attempt's order, never flagged.
    texts = [text for _pk, text in served.options]
    positions = [html.index(text) for text in texts]
    if item_type != "numeric":
        assert positions == sorted(positions)
        assert "<legend>" in html
    else:
        assert "Mo" in html  # the unit is shown


def test_ordering_offers_one_labelled_select_per_position(client, teacher):
    """Ordering: « Place 1 … 3 », each a labelled select listing every option."""
    typed_bank("ordering")
    attempt = attempts.start_attempt(teacher, make_blueprint(("3.1",)))
    client.force_login(teacher)
    html = client.get(ATTEMPT_URL.format(attempt.uuid)).text
    for index in (1, 2, 3):
        assert f'<label for="position-{index}">Place {index}</label>' in html
        assert f'name="position_{index}" id="position-{index}"' in html
    assert len(re.findall(r"<select [^>]*data-selftest-order", html)) == 3


def test_stem_is_sanitised(client, teacher):
    """Scripts and event handlers of a stem never reach the page."""
    item = make_item(
        "3.1",
        "B1",
        stem='<p onclick="x()">Énoncé <script>alert(1)</script><b>gras</b></p>',
    )
    for level in ("A1", "A2", "B2"):
        make_item("3.1", level)
    bump_bank_version()
    attempt = attempts.start_attempt(teacher, make_blueprint(("3.1",)))
    client.force_login(teacher)
    served = attempts.current_item(attempt)
    html = client.get(ATTEMPT_URL.format(attempt.uuid)).text
    if served.item.pk == item.pk:
        assert "<b>gras</b>" in html
    assert "<script>alert" not in html
    assert "onclick" not in html


def test_item_with_an_image_shows_its_alternative_text(client, teacher):
    """The image is rendered with the author's alt text."""
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    image = get_image_model().objects.create(
        title="Capture", file=get_test_image_file()
    )
    for level in SEED_DIFFICULTY:
        make_item("3.1", level, image=image, image_alt="Capture d'un tableur")
    bump_bank_version()
    attempt = attempts.start_attempt(teacher, make_blueprint(("3.1",)))
    client.force_login(teacher)
    html = client.get(ATTEMPT_URL.format(attempt.uuid)).text
    assert re.search(r'<img src="[^"]+" alt="Capture d&#x27;un tableur">', html)


@pytest.mark.parametrize("item_type", ["multiple_choice", "ordering", "numeric"])
def test_every_item_type_can_be_answered_through_the_form(client, teacher, item_type):
    """The form fields of each type are read into a payload the scorer accepts."""
    items = typed_bank(item_type)
    Item.objects.filter(item_type="numeric").update(numeric_answer=Decimal("42"))
    blueprint = make_blueprint(("3.1",))
    client.force_login(teacher)
    client.post(reverse("certification:selftest_start", args=[blueprint.slug]))
    attempt = teacher.selftest_attempts.get()
    take_through_pages(client, attempt.uuid)
    attempt.refresh_from_db()
    assert attempt.status == "completed"
    assert (
        attempt.responses.filter(is_correct=True).count() == attempt.responses.count()
    )
    result = client.get(reverse("certification:selftest_result", args=[attempt.uuid]))
    assert_no_secret(result.text, items)
    assert "Bonne réponse" not in result.text  # no item-level review
    assert "Leurre" not in result.text
