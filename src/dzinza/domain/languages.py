"""The languages Dzinza speaks: English, Shona and Ndebele (Zimbabwe's, CLDR code ``nd``)."""

from __future__ import annotations

LANGUAGES: dict[str, str] = {"en": "English", "sn": "chiShona", "nd": "isiNdebele"}
"""Code -> the language's name in itself, as a switcher shows it."""
DEFAULT_LANGUAGE = "en"
