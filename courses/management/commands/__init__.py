"""Management commands of ``courses``."""
