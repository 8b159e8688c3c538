"""Views of ``tutoring``, one module per part."""
