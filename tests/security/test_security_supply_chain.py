"""Supply chain: every dependency is pinned with hashes, the lock matches pyproject.toml, and
the installed environment is the locked one.

The vulnerability audit itself (`make deps-audit`, called by `.ci/run`) needs a vulnerability
database (PyPI's JSON API or OSV); where neither answers it says so and does not pretend to
have checked. These tests are the part that never needs the network."""

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
PYPROJECT = ROOT / "pyproject.toml"

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s\\;]+)")
_HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


def parse_lock(text: str) -> dict[str, tuple[str, int]]:
    """name → (version, number of hashes). Raises ValueError on an unpinned requirement."""
    entries: dict[str, tuple[str, int]] = {}
    current: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if raw.startswith((" ", "\t")):
            if current is None:
                raise ValueError(f"continuation without a requirement: {line!r}")
            version, hashes = entries[current]
            entries[current] = (version, hashes + len(_HASH.findall(line)))
            continue
        match = _PIN.match(line)
        if match is None:
            raise ValueError(f"not pinned with '==': {line!r}")
        current = canonicalize_name(match.group(1))
        entries[current] = (match.group(3), len(_HASH.findall(line)))
    return entries


def declared_requirements() -> list[Requirement]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    declared = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        declared.extend(extra)
    return [Requirement(r) for r in declared]


LOCKED = parse_lock(LOCK.read_text(encoding="utf-8"))


def test_every_locked_requirement_is_pinned_with_a_hash() -> None:
    assert len(LOCKED) > 50
    unhashed = sorted(name for name, (_, hashes) in LOCKED.items() if hashes == 0)
    assert unhashed == []


def test_lock_parser_rejects_what_pip_would_not_verify() -> None:
    with pytest.raises(ValueError, match="not pinned"):
        parse_lock("httpx>=0.28 \\\n    --hash=sha256:" + "0" * 64 + "\n")
    assert parse_lock("httpx==0.28.1\n") == {"httpx": ("0.28.1", 0)}
    assert parse_lock("a-b==1 \\\n    --hash=sha256:" + "a" * 64 + "\n") == {"a-b": ("1", 1)}


def test_every_declared_dependency_is_locked_at_a_version_it_allows() -> None:
    problems = []
    for requirement in declared_requirements():
        name = canonicalize_name(requirement.name)
        if name not in LOCKED:
            problems.append(f"{name}: declared in pyproject.toml but missing from the lock")
            continue
        version = LOCKED[name][0]
        if not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{name}: locked {version} does not satisfy {requirement.specifier}")
    assert problems == [], "regenerate requirements.lock (see README):\n" + "\n".join(problems)


def test_installed_environment_is_the_locked_one() -> None:
    """`make venv` installs from the lock with --require-hashes; a package installed by hand at
    another version shows up here."""
    drift = []
    for name, (version, _) in LOCKED.items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            drift.append(f"{name}: locked {version}, not installed")
            continue
        if installed != version:
            drift.append(f"{name}: locked {version}, installed {installed}")
    assert drift == []
