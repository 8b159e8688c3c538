"""Builders for self-test tests: items with options, blueprints."""

from __future__ import annotations

import itertools
from decimal import Decimal

from certification.models import Blueprint, Item, ItemOption
from certification.models.selftest import SEED_DIFFICULTY
from lms.models import Competence

_uids = itertools.count(1)


def make_item(
    competence: str = "2.1",
    level: str = "B1",
    *,
    item_type: str = Item.Type.SINGLE_CHOICE,
    status: str = Item.Status.CALIBRATED,
    a: float = 1.2,
    b: float | None = None,
    **fields,
) -> Item:
    """A servable single-choice item (option "Bonne réponse" is the key) unless
    told otherwise; numeric items expect 42 (tolerance 0.5)."""
    item = Item(
        uid=fields.pop("uid", f"t-{next(_uids):05d}"),
        competence=Competence.objects.get(code=competence),
        target_level=level,
        item_type=item_type,
        stem=fields.pop("stem", "<p>Quelle est la bonne réponse ?</p>"),
        status=status,
        a=a,
        b=SEED_DIFFICULTY[level] if b is None else b,
        **fields,
    )
    if item_type == Item.Type.NUMERIC:
        item.numeric_answer = Decimal("42")
        item.numeric_tolerance = Decimal("0.5")
    item.save()
    texts = {
        Item.Type.SINGLE_CHOICE: [
            ("Bonne réponse", True),
            ("Leurre A", False),
            ("Leurre B", False),
        ],
        Item.Type.MULTIPLE_CHOICE: [
            ("Juste 1", True),
            ("Juste 2", True),
            ("Faux", False),
        ],
        Item.Type.ORDERING: [
            ("Premier", False),
            ("Deuxième", False),
            ("Troisième", False),
        ],
        Item.Type.NUMERIC: [],
    }[item_type]
    for position, (text, correct) in enumerate(texts):
        ItemOption.objects.create(
            item=item, text=text, is_correct=correct, sort_order=position
        )
    return item


def make_bank(competences=("2.1", "2.2"), per_level: int = 3) -> list[Item]:
    """``per_level`` calibrated items per level A1–C2 for each competence."""
    items = []
    for code in competences:
        for level, b in SEED_DIFFICULTY.items():
            for k in range(per_level):
                items.append(make_item(code, level, b=b + 0.2 * (k - 1)))
    return items


def make_blueprint(competences=("2.1", "2.2"), **fields) -> Blueprint:
    blueprint = Blueprint.objects.create(
        name=fields.pop("name", "Ressources numériques"),
        slug=fields.pop("slug", f"bp-{next(_uids)}"),
        pretest_items_per_attempt=fields.pop("pretest_items_per_attempt", 0),
        **fields,
    )
    blueprint.competences.set(Competence.objects.filter(code__in=competences))
    return blueprint


def correct_payload(item: Item):
    """The right answer to ``item`` as the answer form would send it."""
    options = list(item.options.all())
    if item.item_type == Item.Type.SINGLE_CHOICE:
        return next(o.pk for o in options if o.is_correct)
    if item.item_type == Item.Type.MULTIPLE_CHOICE:
        return [o.pk for o in options if o.is_correct]
    if item.item_type == Item.Type.ORDERING:
        return [o.pk for o in sorted(options, key=lambda o: o.sort_order)]
    return "42,0"


def answer_all_right(attempt) -> int:
    """Answer every remaining item of ``attempt`` rightly; returns how many."""
    from certification.selftest import attempts

    answered = 0
    while (served := attempts.current_item(attempt)) is not None:
        attempts.answer(
            attempt,
            order=served.order,
            payload=correct_payload(served.item),
            lock_token=served.lock_token,
        )
        answered += 1
    return answered
