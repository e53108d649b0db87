"""Where the project's neighbours live. `../shared` (BKN reference tables, test vectors) sits
beside the repository on developer machines and in CI; it is never copied into the repo."""

import os
from pathlib import Path


def repo_root() -> Path | None:
    """The checkout this package runs from (None when installed as a plain wheel)."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "pyproject.toml").exists() and (parent / "services").is_dir():
            return parent
    return None


def shared_dir() -> Path | None:
    """`TATAMUTASI_SHARED_DIR`, else `<repo>/../shared`, else None."""
    env = os.environ.get("TATAMUTASI_SHARED_DIR")
    if env:
        return Path(env)
    root = repo_root()
    if root is not None and (root.parent / "shared").is_dir():
        return root.parent / "shared"
    return None


def shared_path(*parts: str) -> Path | None:
    """A path inside `shared/`, or None when shared/ or that path is absent."""
    base = shared_dir()
    if base is None:
        return None
    path = base.joinpath(*parts)
    return path if path.exists() else None
