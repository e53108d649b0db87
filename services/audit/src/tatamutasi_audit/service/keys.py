"""The ledger's keys: the checkpoint signer (signed-note Ed25519) and the pseudonym secret.

Loaded from the files named in the settings. In development and tests, a missing file
setting means: use (or create once) a key under the data folder. Keys are never committed."""

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tatamutasi_audit.ledger.entries import Pseudonymiser
from tatamutasi_audit.ledger.note import NoteError, Signer, Verifier
from tatamutasi_audit.settings import AuditSettings


class LedgerKeyError(RuntimeError):
    """A configured key file is missing, unreadable or does not fit the settings."""


@dataclass(frozen=True)
class LedgerKeys:
    signer: Signer
    pseudonymiser: Pseudonymiser

    @property
    def origin(self) -> str:
        return self.signer.name

    @property
    def verifier(self) -> Verifier:
        return self.signer.verifier()


def write_secret(path: Path, text: str) -> None:
    """Create `path` with mode 0600 (never overwrites)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def write_signing_key(directory: Path, name: str) -> tuple[Path, Path]:
    """`signing.key` (0600) and `signing.vkey` for a new signer called `name`."""
    signer = Signer.generate(name)
    key, vkey = directory / "signing.key", directory / "signing.vkey"
    write_secret(key, signer.encode() + "\n")
    vkey.write_text(signer.verifier().encode() + "\n", encoding="utf-8")
    return key, vkey


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise LedgerKeyError(f"cannot read the {what} {path}: {exc.strerror}") from None


def load_keys(settings: AuditSettings) -> LedgerKeys:
    key_file, secret_file = settings.signing_key_file, settings.pseudonym_key_file
    dev_dir = settings.key_dir()
    if key_file is None:
        key_file = dev_dir / "signing.key"
        if not key_file.exists():
            write_signing_key(dev_dir, settings.log_origin)
    if secret_file is None:
        secret_file = dev_dir / "pseudonym.secret"
        if not secret_file.exists():
            write_secret(secret_file, secrets.token_hex(32) + "\n")
    try:
        signer = Signer.parse(_read(key_file, "signing key"))
    except NoteError as exc:
        raise LedgerKeyError(f"{key_file} is not a signed-note signer key: {exc}") from None
    if signer.name != settings.log_origin:
        raise LedgerKeyError(
            f"the signing key {key_file} is named {signer.name!r} but the log origin is "
            f"{settings.log_origin!r}; make a key with `tatamutasi audit keygen --name "
            f"{settings.log_origin}`"
        )
    text = _read(secret_file, "pseudonym secret")
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = text.encode()
    try:
        pseudonymiser = Pseudonymiser(secret)
    except ValueError as exc:
        raise LedgerKeyError(f"{secret_file}: {exc}") from None
    return LedgerKeys(signer, pseudonymiser)


@lru_cache(maxsize=1)
def default_keys() -> LedgerKeys:
    """Keys of the settings from the environment (for callers without a runtime)."""
    return load_keys(AuditSettings())
