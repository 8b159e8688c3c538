"""Errors raised by the catalogue's services, with a French message for people."""

from __future__ import annotations


class RegistrationError(Exception):
    """A registration, cancellation or decision that the rules forbid.

    ``message`` is a translated sentence safe to show to the person who acted;
    ``code`` is a stable identifier for tests and logs.
    """

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return str(self.message)
