"""Views of the catalogue on the platform, one module per area."""
