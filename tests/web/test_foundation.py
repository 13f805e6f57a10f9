"""What every page shares: the language choice and its switch, the security headers, the
static assets, and the CSRF check of forms."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dzinza.web import i18n
from tests.conftest import Api
from tests.web.conftest import csrf_of, in_language, post_form


def test_the_language_is_the_accounts_then_the_cookies_then_the_browsers() -> None:
    assert i18n.choose("nd", "sn", "en") == "nd"
    assert i18n.choose(None, "sn", "nd") == "sn"
    assert i18n.choose(None, "xx", "fr-FR, sn;q=0.8, en;q=0.5") == "sn"
    assert i18n.choose(None, None, "en;q=0.2, nd-ZW;q=0.9") == "nd"
    assert i18n.choose(None, None, "sn;q=0, fr") == "en"
    assert i18n.choose(None, None, None) == "en"
    assert i18n.accepted("a;q=0.5, b, c;q=nonsense") == ["b", "a"]


def test_dates_and_numbers_are_written_the_languages_way() -> None:
    i18n.activate("sn")
    assert i18n.date("1931-03-14", "long") == "1931 Kurume 14"
    assert i18n.date("ABT 1890") == "panenge 1890"
    assert i18n.date("not a date") == "not a date"
    i18n.activate("nd")
    assert i18n.date("1931-03-14", "long") == "14 Mbimbitho 1931"
    assert i18n.date("BET MAR 1890 AND 1895") == "phakathi kuka-Mbimbitho 1890 lo-1895"
    i18n.activate("en")
    assert i18n.number(1234567) == "1,234,567"
    assert i18n.date("14 MAR 1931") == "Mar 14, 1931"
    assert i18n.date("@#DJULIAN@ 1 JAN 1700") == "Jan 1, 1700 (Julian)"
    assert i18n.date("@#DHEBREW@ 1 TSH 5780") == "@#DHEBREW@ 1 TSH 5780"  # shown as written
    assert i18n.date(None) == ""


def test_the_switch_sets_the_cookie_and_the_page_speaks_it(site: TestClient) -> None:
    page = site.get("/", headers={"accept-language": "nd"})
    assert page.headers["content-language"] == "nd" and '<html lang="nd">' in page.text
    done = post_form(site, "/", "/language", {"language": "sn", "next": "/search?q=x"})
    assert done.status_code == 303 and done.headers["location"] == "/search?q=x"
    assert site.cookies["dzinza_lang"] == "sn"
    assert site.get("/").headers["content-language"] == "sn"
    away = post_form(site, "/", "/language", {"language": "sn", "next": "https://evil.example"})
    assert away.headers["location"] == "/"
    forged = site.post("/language", data={"csrf": "x" * 40, "language": "nd"})
    assert forged.status_code == 403


def test_a_signed_in_choice_is_kept_in_the_account(owner_web: TestClient, owner: Api) -> None:
    post_form(owner_web, "/", "/language", {"language": "nd", "next": "/"})
    assert owner.get("/auth/me")["language"] == "nd"
    owner_web.cookies.delete("dzinza_lang")
    assert owner_web.get("/").headers["content-language"] == "nd"
    assert owner.patch("/auth/me", {"language": None})["language"] is None
    owner.patch("/auth/me", {"language": "fr"}, expect=422)


def test_pages_forbid_inline_scripts_and_framing(site: TestClient) -> None:
    page = site.get("/")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in page.text and " style=" not in page.text
    api = site.get("/api/v1/health")
    assert api.headers["content-security-policy"].startswith("default-src 'none'")


def test_assets_are_versioned_and_cached_for_a_year(site: TestClient) -> None:
    page = site.get("/")
    href = page.text.split('rel="stylesheet" href="')[1].split('"')[0]
    assert href.startswith("/static/css/dzinza.css?v=")
    asset = site.get(href)
    assert asset.status_code == 200 and "immutable" in asset.headers["cache-control"]
    assert site.get("/static/../settings.py").status_code == 404


def test_every_form_on_a_page_carries_the_token(site: TestClient) -> None:
    page = site.get("/signin")
    assert page.text.count('<form method="post"') <= page.text.count('name="csrf"')
    assert len(csrf_of(page)) >= 32


def test_a_services_refusal_is_shown_in_the_pages_language(site: TestClient, owner: Api) -> None:
    in_language(site, "nd")
    fields = {"email": "owner@example.org", "password": "not the password"}
    refused = post_form(site, "/signin", "/signin", fields)
    assert refused.status_code == 401
    i18n.activate("nd")
    translated = i18n.gettext("Wrong email or password.")
    assert translated != "Wrong email or password." and translated in refused.text
    assert "<h1>" + i18n.gettext("Not found") + "</h1>" in site.get("/trees/" + "0" * 32).text
