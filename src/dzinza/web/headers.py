"""Security and caching headers on every response (a pure ASGI middleware, so that streamed
responses and static files get them too).

The web pages' Content-Security-Policy allows scripts and styles from this site only: no
``unsafe-inline``, no outside CDN; the pages' behaviour lives in static/js. Images and direct
uploads may also use HTTPS origins (photos are served from S3 or CloudFront by signed URLs whose
host depends on the deployment). API responses get a policy that allows nothing, as JSON needs
nothing. The interactive API documentation is left without a policy: it is FastAPI's page.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob: https:",
        "media-src 'self' blob: https:",
        "connect-src 'self' https:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
UNPOLICED = ("/api/docs", "/api/v1/openapi.json")
STATIC_PREFIX = "/static/"
YEAR = 31_536_000


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        secure = scope.get("scheme") == "https"
        versioned = b"v=" in scope.get("query_string", b"")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}

                def add(name: str, value: str) -> None:
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))

                add("x-content-type-options", "nosniff")
                add("referrer-policy", "strict-origin-when-cross-origin")
                add("permissions-policy", "camera=(), microphone=(), geolocation=()")
                if secure:
                    add("strict-transport-security", f"max-age={YEAR}; includeSubDomains")
                if path.startswith("/api/"):
                    if not path.startswith(UNPOLICED):
                        add("content-security-policy", API_POLICY)
                else:
                    add("content-security-policy", PAGE_POLICY)
                    add("x-frame-options", "DENY")
                if path.startswith(STATIC_PREFIX) and message["status"] == 200:
                    # Asset URLs carry a hash of the content (rendering.static_url).
                    lifetime = f"public, max-age={YEAR}, immutable" if versioned else "no-cache"
                    add("cache-control", lifetime)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
