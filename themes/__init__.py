"""Themes: base templates, design system, static assets, accessibility helpers."""
