"""Tremplin settings package: ``base`` reads the environment; dev/test/production refine it."""
