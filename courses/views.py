"""Views of the platform origin for courses (learner, staff, reports)."""
