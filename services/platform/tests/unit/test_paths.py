from pathlib import Path

import pytest

from tatamutasi_platform import paths


def test_repo_root_is_the_checkout() -> None:
    root = paths.repo_root()
    assert root is not None and (root / "Makefile").exists()


def test_env_overrides_shared_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "reference").mkdir()
    monkeypatch.setenv("TATAMUTASI_SHARED_DIR", str(tmp_path))
    assert paths.shared_dir() == tmp_path
    assert paths.shared_path("reference") == tmp_path / "reference"
    assert paths.shared_path("missing") is None


def test_shared_dir_is_beside_the_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TATAMUTASI_SHARED_DIR", raising=False)
    root = paths.repo_root()
    assert root is not None
    expected = root.parent / "shared"
    assert paths.shared_dir() == (expected if expected.is_dir() else None)
