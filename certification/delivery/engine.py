"""Outbox delivery to the staff space. Owned by the delivery part."""

from __future__ import annotations


def deliver_due() -> int:
    raise NotImplementedError


def reconcile() -> None:
    raise NotImplementedError
