"""Small hand-made banks and configs for the self-test engine tests."""

from certification.selftest.engine import Bank, Config, Item, ItemStatus


def item(item_id, competence="1.1", a=1.0, b=0.0, **extra):
    return Item(id=item_id, competence=competence, a=a, b=b, **extra)


def spread_bank(competences, per_competence=12, a=1.2, prefix="", **extra):
    """``per_competence`` items per competence with b evenly spread on [−2.5, 2.5]."""
    items = []
    for competence in competences:
        for k in range(per_competence):
            b = -2.5 + 5.0 * k / max(per_competence - 1, 1)
            items.append(
                item(f"{prefix}{competence}-{k:02d}", competence, a=a, b=b, **extra)
            )
    return Bank(items)


def with_items(bank, *items):
    return Bank([*bank.items, *items])


def pretest(item_id, competence="1.1", b=0.0):
    return item(item_id, competence, a=1.0, b=b, status=ItemStatus.PRETEST)


def profile(*competences, **options):
    options.setdefault("pretest_items_per_attempt", 0)
    return Config(competences=competences, **options)


def global_mode(*competences, **options):
    options.setdefault("pretest_items_per_attempt", 0)
    return Config(competences=competences, mode="global", **options)
