"""Dzinza: build, share and search family trees, on a laptop or at scale."""

__version__ = "0.1.0"
