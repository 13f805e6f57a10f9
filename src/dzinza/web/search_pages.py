"""Search, and the duplicate review queue.

Not built yet: this module only holds the router the pages will hang on.
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
