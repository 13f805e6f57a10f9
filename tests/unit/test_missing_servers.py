"""Under CI=true a test whose server is missing fails; elsewhere it is skipped with a reason."""

from __future__ import annotations

import pytest

from tests.conftest import require_server


def test_missing_server_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DZINZA_TEST_NOWHERE_URL", raising=False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true and Nowhere is not available"):
        require_server("DZINZA_TEST_NOWHERE_URL", "Nowhere")


def test_missing_server_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DZINZA_TEST_NOWHERE_URL", raising=False)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="make test starts it"):
        require_server("DZINZA_TEST_NOWHERE_URL", "Nowhere")


def test_present_server_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DZINZA_TEST_NOWHERE_URL", "postgresql://here")
    assert require_server("DZINZA_TEST_NOWHERE_URL", "Nowhere") == "postgresql://here"
