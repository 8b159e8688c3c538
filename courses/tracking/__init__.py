"""Learner tracking: the CMI data model, attempt tokens, commits and their API."""
