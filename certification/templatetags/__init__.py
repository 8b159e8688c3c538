"""Template tags of ``certification``."""
