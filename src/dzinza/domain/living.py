"""When someone is presumed living: the calendar side of the privacy rules (the rest is SQL, in
adapters/sql/privacy.py)."""

from __future__ import annotations

from datetime import date

LIVING_YEARS = 110
"""Without a recorded death, someone born less than this many years ago is presumed living."""

_JDN_OF_ORDINAL_ZERO = 1_721_425
"""date.toordinal() + this = the Julian Day Number the GEDCOM dates are stored as."""


def living_cutoff(today: date | None = None) -> int:
    """The Julian Day Number 110 years before today: born after it means presumed living."""
    day = today or date.today()
    try:
        then = day.replace(year=day.year - LIVING_YEARS)
    except ValueError:  # 29 February, and 110 years earlier was not a leap year
        then = day.replace(year=day.year - LIVING_YEARS, day=28)
    return then.toordinal() + _JDN_OF_ORDINAL_ZERO


PLACEHOLDER_NAME = "Private"
"""What a reader who may not see someone sees instead of their name."""
