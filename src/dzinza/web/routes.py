"""Every router of the web app, in the order they are matched."""

from __future__ import annotations

from fastapi import APIRouter

from dzinza.web import (
    auth_pages,
    chart_pages,
    family_pages,
    invitation_pages,
    media_pages,
    member_pages,
    pages,
    person_forms,
    person_pages,
    search_pages,
    transfer_pages,
    tree_pages,
)

ROUTERS: tuple[APIRouter, ...] = (
    pages.router,
    auth_pages.router,
    invitation_pages.router,
    tree_pages.router,
    member_pages.router,
    person_pages.router,
    person_forms.router,
    family_pages.router,
    chart_pages.router,
    search_pages.router,
    transfer_pages.router,
    media_pages.router,
)
