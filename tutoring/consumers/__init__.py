"""WebSocket consumers of ``tutoring``."""
