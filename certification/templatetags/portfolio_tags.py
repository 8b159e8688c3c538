"""Template filters of the portfolio part."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.formats import get_format, number_format

register = template.Library()


@register.filter
def hours(value: Any) -> str:
    """Hours without useless decimals, in the active locale: ``12``, ``12,5``,
    ``12,25``."""
    try:
        amount = Decimal(value).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        return ""
    text = number_format(amount, decimal_pos=2)
    separator = str(get_format("DECIMAL_SEPARATOR"))
    if separator in text:
        text = text.rstrip("0").rstrip(separator)
    return text
