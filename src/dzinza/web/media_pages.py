"""Photos and documents: upload, gallery, lightbox, tagging people.

Not built yet: this module only holds the router the pages will hang on.
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
