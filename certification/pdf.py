"""PDF of attestations (WeasyPrint). Owned by the verification part."""

from __future__ import annotations


def render_missing(attestation_ids: list[int]) -> int:
    """Render and store the PDFs these attestations lack; returns how many."""
    raise NotImplementedError
