"""Catalogue: Wagtail pages and snippets for trainings, sessions, tracks, registrations, search."""
