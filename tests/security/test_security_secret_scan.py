"""No secret in the repository: private keys, signed tokens, webhook secrets, cloud keys or
literal credentials assigned in code or configuration. Keys are generated at run time under
the data folder (`tatamutasi run`, `tatamutasi audit keygen`) and never committed."""

import re
import subprocess
from pathlib import Path

import pytest

from tatamutasi_platform.paths import repo_root

ROOT = repo_root()

PATTERNS: dict[str, re.Pattern[str]] = {
    # a key block with key material after it (a test that checks a generated key's header
    # line is not a key)
    "PEM private key": re.compile(
        r"-----BEGIN (?:[A-Z0-9]+ )?PRIVATE KEY-----\s*(?:\\n|\n)[A-Za-z0-9+/=]{16,}"
    ),
    "signed JWT": re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}"),
    "webhook secret": re.compile(r"\bwhsec_[A-Za-z0-9+/=]{16,}"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"),
    "literal credential": re.compile(
        r"""(?ix)(?<![a-z])(?:password|passwd|secret|api[_-]?key|hmac[_-]?key)\w*
            \s*[:=]\s*["']([^"'\s/$]{12,})["']"""
    ),
}

# Literal values that look like credentials but are documented placeholders (or the fake
# SIASN server's published test credentials).
PLACEHOLDERS = re.compile(r"(?i)change[-_]?me|example|fake|placeholder|dummy|\$\{|<[a-z_-]+>")

SKIP_SUFFIXES = {".lock", ".png", ".jpg", ".ico", ".xlsx", ".pdf", ".woff2"}

# A line may carry a published test vector (e.g. the Standard Webhooks signing example); it
# says so with this marker and a reason. This file's own examples are what the scanner must
# catch, so it is not scanned.
ALLOW_MARKER = "secret-scan: allow"
THIS_FILE = Path(__file__).resolve()


def tracked_files() -> list[Path]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the scan reads tracked files only")
    return [ROOT / p for p in out.decode().split("\0") if p]


def findings(text: str) -> list[tuple[str, int, str]]:
    found = []
    lines = text.split("\n")
    for kind, pattern in PATTERNS.items():
        for m in pattern.finditer(text):
            value = m.group(m.lastindex or 0)
            if kind == "literal credential" and PLACEHOLDERS.search(value):
                continue
            line = text.count("\n", 0, m.start()) + 1
            if ALLOW_MARKER in lines[line - 1]:
                continue
            found.append((kind, line, m.group(0)[:40]))
    return found


def test_no_secret_is_tracked() -> None:
    problems = []
    for path in tracked_files():
        if path.suffix in SKIP_SUFFIXES or not path.is_file() or path.resolve() == THIS_FILE:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for kind, line, excerpt in findings(text):
            problems.append(f"{path.relative_to(ROOT)}:{line}: {kind}: {excerpt}…")
    assert not problems, "secrets in the repository:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "text",
    [
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn",
        "token = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlc2lnbmF0dXJl'",
        "secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "AKIAIOSFODNN7ABCDEFG",
        'SIASN_CLIENT_SECRET = "s3cr3t-v4lu3-1234"',
        "hmac_key: 'a8f5f167f44f4964e6c998dee827110c'",
    ],
)
def test_scanner_catches_each_kind(text: str) -> None:
    assert findings(text)


@pytest.mark.parametrize(
    "text",
    [
        "password = settings.kafka_sasl_password_file.read_text()",
        'password: "change-me-in-production"',
        "client_secret: ${SIASN_CLIENT_SECRET}",
        'sso_password=SecretStr("pw")',
        "api_key = '<your-api-key>'",
    ],
)
def test_scanner_ignores_references_and_placeholders(text: str) -> None:
    assert not findings(text)


def test_marked_published_vectors_are_allowed_and_only_on_their_line() -> None:
    marked = 'secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # secret-scan: allow (vector)'
    assert not findings(marked)
    assert findings(marked + '\nother = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"')
