"""Session close: bulk issue. Owned by the rules part."""

from __future__ import annotations


def run_closure(session_id: int, user_id: int | None) -> None:
    raise NotImplementedError
