"""Charts: pedigree, descendants, fan chart and the relationship path between two people.

Not built yet: this module only holds the router the pages will hang on.
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
