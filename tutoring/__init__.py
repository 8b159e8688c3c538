"""Tutoring: cohorts, enrolments, tutor dashboard, discussions, real-time chat, nudges."""
