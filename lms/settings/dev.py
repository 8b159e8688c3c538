"""Embedded default for ``make run``: debug on, everything in one process."""

from .base import *  # noqa: F403
from .env import env_bool

DEBUG = env_bool("DEBUG", True)
