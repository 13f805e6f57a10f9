"""Accessibility of every page: a crawler walks the site from the landing page (signed out,
then as the owner of the demo tree), following the links of each page, and checks each page
for what assistive technology and keyboard users rely on:

- the language of the page, one ``main`` landmark and a navigation landmark, one ``h1``, and
  headings that do not skip levels;
- a label for every form control (``label for``, a wrapping label, ``aria-label`` or
  ``aria-labelledby``), an ``alt`` on every image, a name for every link and button;
- unique ids, table headers with a scope, no positive ``tabindex``.

The stylesheet is checked for visible focus and for the contrast of its colour pairs (WCAG AA:
4.5:1 for text). Keyboard use itself is exercised in the browser tests.
"""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from fastapi.testclient import TestClient

import dzinza.web
from dzinza.services.demo import load_demo
from dzinza.services.platform import Platform
from tests.web.conftest import OWNER_EMAIL

CONTROLS = {"input", "select", "textarea"}
UNLABELLED_INPUTS = {"hidden", "submit", "button", "reset", "image"}
MAX_PAGES = 80
SKIP = ("/api/", "/static/", "/signout", "/media/files/")


class _Page(HTMLParser):
    """The facts of one page the checks need."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = ""
        self.tags: Counter[str] = Counter()
        self.headings: list[int] = []
        self.ids: Counter[str] = Counter()
        self.label_for: set[str] = set()
        self.controls: list[tuple[dict[str, str], bool]] = []  # attrs, inside a label
        self.named: list[tuple[str, dict[str, str], str]] = []  # a/button: attrs, text
        self.problems: list[str] = []
        self.links: list[str] = []
        self._open: list[tuple[str, dict[str, str], list[str]]] = []
        self._label_depth = 0

    def handle_starttag(self, tag: str, raw: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in raw}
        self.tags[tag] += 1
        if tag == "html":
            self.lang = attrs.get("lang", "")
        if "id" in attrs:
            self.ids[attrs["id"]] += 1
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "label":
            self._label_depth += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        if tag in CONTROLS and attrs.get("type", "text") not in UNLABELLED_INPUTS:
            self.controls.append((attrs, self._label_depth > 0))
        if tag == "img" and "alt" not in attrs:
            self.problems.append(f"img without alt: {attrs.get('src', '')[:80]}")
        if tag == "th" and "scope" not in attrs:
            self.problems.append("th without scope")
        if attrs.get("tabindex", "0").lstrip("-").isdigit() and int(attrs.get("tabindex", "0")) > 0:
            self.problems.append(f"positive tabindex on {tag}")
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in ("a", "button"):
            self._open.append((tag, attrs, []))
        elif tag == "img" and self._open:
            self._open[-1][2].append(attrs.get("alt", ""))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_depth = max(0, self._label_depth - 1)
        if tag in ("a", "button") and self._open and self._open[-1][0] == tag:
            name, attrs, text = self._open.pop()
            self.named.append((name, attrs, " ".join(text).strip()))

    def handle_data(self, data: str) -> None:
        for _, _, text in self._open:
            text.append(data)


def check_page(html: str) -> list[str]:
    page = _Page()
    page.feed(html)
    problems = list(page.problems)
    if not page.lang:
        problems.append("html without lang")
    if page.tags["main"] != 1:
        problems.append(f"{page.tags['main']} main landmarks")
    if page.tags["nav"] < 1:
        problems.append("no nav landmark")
    if page.headings.count(1) != 1:
        problems.append(f"{page.headings.count(1)} h1 headings")
    for before, after in zip(page.headings, page.headings[1:], strict=False):
        if after > before + 1:
            problems.append(f"heading level skips from h{before} to h{after}")
    problems += [f"duplicate id {i}" for i, n in page.ids.items() if n > 1]
    for attrs, wrapped in page.controls:
        labelled = (
            wrapped
            or attrs.get("id", "\0") in page.label_for
            or attrs.get("aria-label", "").strip()
            or attrs.get("aria-labelledby", "").strip()
        )
        if not labelled:
            problems.append(f"unlabelled {attrs.get('name') or attrs.get('id') or attrs}")
    for tag, attrs, text in page.named:
        if not (text or attrs.get("aria-label", "").strip() or attrs.get("title", "").strip()):
            problems.append(f"{tag} without a name: {attrs.get('href', '')}")
    return problems


def test_the_checks_find_what_they_look_for() -> None:
    bad = (
        '<html><body><main><h1>A</h1><h3>B</h3><input name="q"><img src="x">'
        '<a href="/x"></a><button></button><table><tr><th>T</th></tr></table>'
        '<p id="d"></p><p id="d" tabindex="3"></p></main></body></html>'
    )
    found = check_page(bad)
    for expected in (
        "html without lang",
        "no nav landmark",
        "heading level skips from h1 to h3",
        "unlabelled q",
        "img without alt: x",
        "a without a name: /x",
        "button without a name: ",
        "th without scope",
        "duplicate id d",
        "positive tabindex on p",
    ):
        assert expected in found
    good = (
        '<html lang="en"><body><nav><a href="/">Home</a></nav><main><h1>A</h1><h2>B</h2>'
        '<label for="q">Name</label><input id="q" name="q"><label>Sex <select name="s">'
        '</select></label><input type="hidden" name="csrf"><button aria-label="Zoom in">+'
        '</button><a href="/p"><img src="p.jpg" alt="Portrait"></a></main></body></html>'
    )
    assert check_page(good) == []


def _crawl(client: TestClient, start: list[str]) -> tuple[dict[str, list[str]], set[str]]:
    """The problems of every page reached from ``start``, and the pages checked."""
    seen: set[str] = set()
    checked: set[str] = set()
    queue = list(start)
    problems: dict[str, list[str]] = {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        assert response.status_code < 500, f"{url}: {response.status_code}"
        checked.add(url.split("?")[0])
        found = check_page(response.text)
        if found:
            problems[url] = found
        parser = _Page()
        parser.feed(response.text)
        for href in parser.links:
            target, _ = urldefrag(href)
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not target.startswith("/"):
                continue
            if target.startswith(SKIP) or target in seen:
                continue
            # One page per kind of address: ids and queries vary, the template does not.
            shape = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "ID", parts.path)
            if any(
                re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "ID", s.split("?")[0]) == shape for s in seen
            ):
                continue
            queue.append(target)
    return problems, checked


@pytest.fixture
def demo_tree(platform: Platform, owner: object) -> str:
    return str(load_demo(platform, owner_email=OWNER_EMAIL)["tree_id"])


def test_every_page_a_visitor_reaches_is_accessible(site: TestClient, demo_tree: str) -> None:
    problems, checked = _crawl(site, ["/", "/signin", "/signup", "/search", f"/trees/{demo_tree}"])
    assert problems == {}
    assert len(checked) >= 25, sorted(checked)  # the crawl really walked the site


def test_every_page_the_owner_reaches_is_accessible(owner_web: TestClient, demo_tree: str) -> None:
    problems, checked = _crawl(owner_web, ["/", "/account", f"/trees/{demo_tree}"])
    assert problems == {}
    assert len(checked) >= 40, sorted(checked)


# -- the stylesheet ------------------------------------------------------------------------------
CSS = (Path(dzinza.web.__file__).parent / "static" / "css" / "dzinza.css").read_text()
PAIRS = [  # (text, background) as the pages use them
    ("--ink", "--bg"),
    ("--ink", "--panel"),
    ("--muted", "--bg"),
    ("--muted", "--panel"),
    ("--accent", "--bg"),
    ("--accent", "--panel"),
    ("--brand-ink", "--brand"),
    ("--bad", "--bad-bg"),
    ("--ink", "--warn-bg"),
]


def _luminance(hex_colour: str) -> float:
    value = hex_colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_colour_pairs_meet_wcag_aa_contrast() -> None:
    colours = dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{3,6})", CSS))
    assert contrast("#000", "#fff") == pytest.approx(21)
    low = {
        f"{fg} on {bg}": round(ratio, 2)
        for fg, bg in PAIRS
        if (ratio := contrast(colours[fg], colours[bg])) < 4.5
    }
    assert low == {}


def test_focus_is_always_visible() -> None:
    assert re.search(r":focus-visible\s*{[^}]*outline:\s*3px solid", CSS)
    assert "outline: none" not in CSS.replace("main:focus { outline: none; }", "")
