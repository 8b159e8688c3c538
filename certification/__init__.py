"""Certification: self-tests, campaigns, completion rules, attestations, portfolio."""
