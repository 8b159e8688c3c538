"""Wagtail admin views of the catalogue, one module per area."""
