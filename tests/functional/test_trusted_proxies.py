"""Forwarded headers are believed from the trusted proxies only: otherwise a client could pick
the address its sign-in back-off counts against, or claim a TLS connection it does not have."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from dzinza.api.app import create_app
from dzinza.services.platform import Platform


def _seen(app: FastAPI) -> TestClient:
    @app.get("/_whoami")
    def whoami(request: Request) -> dict[str, str]:
        return {"ip": request.client.host if request.client else "", "scheme": request.url.scheme}

    return TestClient(app)


FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


def test_forwarded_headers_from_an_untrusted_peer_are_ignored(platform: Platform) -> None:
    client = _seen(create_app(platform, trusted_proxies="10.0.0.0/8"))
    seen = client.get("/_whoami", headers=FORWARDED).json()
    assert seen == {"ip": "testclient", "scheme": "http"}


def test_forwarded_headers_from_a_trusted_proxy_are_believed(platform: Platform) -> None:
    client = _seen(create_app(platform, trusted_proxies="*"))
    seen = client.get("/_whoami", headers=FORWARDED).json()
    assert seen == {"ip": "203.0.113.9", "scheme": "https"}
