"""The competency self-test: an adaptive test mapped to DigCompEdu (issue 7)."""
