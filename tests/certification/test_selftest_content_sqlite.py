"""The self-test demo step on the embedded default (SQLite, in-memory layer), as
``make run`` on a new machine: migrate, run the step twice, take a few items."""

from __future__ import annotations

import textwrap

import pytest

from certification.selftest import demo_content
from tests.embedded_support import embedded_env, manage

SCRIPT = textwrap.dedent(
    """
    from certification.models import Blueprint, Item, ItemOption
    from certification.selftest import attempts
    from certification.selftest.demo import seed_demo_selftest
    from lms.models import User

    def counts():
        return (Item.objects.count(), ItemOption.objects.count(),
                Blueprint.objects.count(),
                sum(Item.objects.values_list("revision", flat=True)))

    seed_demo_selftest()
    first = counts()
    seed_demo_selftest()
    print("COUNTS", first, counts())
    user = User.objects.create_user("sqlite@demo.tremplin.test", "x-Mot-de-passe-9")
    blueprint = Blueprint.objects.get(slug="positionnement-rapide")
    attempt = attempts.start_attempt(user, blueprint)
    for _ in range(3):
        served = attempts.current_item(attempt)
        option = served.item.options.first()
        payload = "1" if option is None else (
            option.pk if served.item.item_type == "single_choice"
            else [o.pk for o in served.item.options.all()])
        attempts.answer(attempt, order=served.order, payload=payload,
                        lock_token=served.lock_token)
    print("ANSWERED", attempt.responses.count())
    """
)


@pytest.mark.timeout(900)
def test_demo_step_runs_twice_on_sqlite(tmp_path):
    """On SQLite the step loads the bank, is idempotent, and a test can be taken."""
    env = embedded_env(tmp_path)
    result = manage("migrate", "--no-input", "-v", "0", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "tremplin.sqlite3").exists()
    result = manage("shell", "-c", SCRIPT, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    counts = next(
        line for line in result.stdout.splitlines() if line.startswith("COUNTS")
    )
    first, second = counts.removeprefix("COUNTS ").split(") (")
    assert first + ")" == "(" + second, counts
    n_items = len(demo_content.load()["items"])
    assert first.startswith(f"({n_items}, "), counts
    assert "ANSWERED 3" in result.stdout, result.stdout
