"""C2SP signed-note (Ed25519) and tlog-checkpoint: keys, signing, parsing, verifying.

- Key hash: first 4 bytes of SHA-256(name || "\\n" || 0x01 || public key).
- Verifier key: `name+hex(keyhash)+base64(0x01 || public key)`.
- Signer key (private): `PRIVATE+KEY+name+hex(keyhash)+base64(0x01 || seed)`.
- Note: text (UTF-8, ends with a newline), a blank line, then signature lines
  `— name base64(keyhash || signature)`; the signature covers the text.
- Checkpoint text: origin, decimal tree size, base64 root hash, optional extension lines.

Pure: no files, no network."""

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

ALG_ED25519 = 0x01
SIG_PREFIX = "\u2014 "  # em dash and a space
_NAME = re.compile(r"^[^\s+]+$")
_DECIMAL = re.compile(r"^(0|[1-9][0-9]{0,19})$")


class NoteError(ValueError):
    """A key, a note or a checkpoint is malformed or does not verify."""


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise NoteError("not valid base64") from None


def _check_name(name: str) -> None:
    if not name or not _NAME.match(name) or not name.isprintable():
        raise NoteError(f"key name {name!r} is empty or has spaces, '+' or control characters")


def key_hash(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


@dataclass(frozen=True)
class Verifier:
    name: str
    key_hash: bytes
    public_key: bytes

    @classmethod
    def parse(cls, vkey: str) -> "Verifier":
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise NoteError("a verifier key has the form name+hash+key")
        name, hex_hash, b64 = parts
        _check_name(name)
        if not re.fullmatch(r"[0-9a-f]{8}", hex_hash):
            raise NoteError("the key hash must be 8 lowercase hex digits")
        raw = _b64decode(b64)
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("only Ed25519 verifier keys (0x01 || 32 bytes) are supported")
        public = raw[1:]
        if key_hash(name, public) != bytes.fromhex(hex_hash):
            raise NoteError("the key hash does not match the name and key")
        return cls(name, bytes.fromhex(hex_hash), public)

    def encode(self) -> str:
        b64 = base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_hash.hex()}+{b64}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
            return True
        except InvalidSignature:
            return False


@dataclass(frozen=True)
class Signer:
    name: str
    seed: bytes

    @classmethod
    def generate(cls, name: str) -> "Signer":
        _check_name(name)
        raw = Ed25519PrivateKey.generate().private_bytes(
            Encoding.Raw, PrivateFormat.Raw, NoEncryption()
        )
        return cls(name, raw)

    @classmethod
    def parse(cls, skey: str) -> "Signer":
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
            raise NoteError("a signer key has the form PRIVATE+KEY+name+hash+key")
        _, _, name, hex_hash, b64 = parts
        _check_name(name)
        raw = _b64decode(b64)
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("only Ed25519 signer keys (0x01 || 32-byte seed) are supported")
        signer = cls(name, raw[1:])
        if signer.verifier().key_hash.hex() != hex_hash:
            raise NoteError("the signer key's hash does not match its name and key")
        return signer

    def _private(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    def verifier(self) -> Verifier:
        public = self._private().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return Verifier(self.name, key_hash(self.name, public), public)

    def encode(self) -> str:
        v = self.verifier()
        b64 = base64.b64encode(bytes([ALG_ED25519]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{v.key_hash.hex()}+{b64}"

    def sign(self, text: str) -> str:
        """The signed note: text, blank line, one signature line."""
        _check_text(text)
        sig = self._private().sign(text.encode())
        blob = base64.b64encode(self.verifier().key_hash + sig).decode()
        return f"{text}\n{SIG_PREFIX}{self.name} {blob}\n"


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("the note text must end with a newline")
    if any(c != "\n" and (ord(c) < 0x20 or ord(c) == 0x7F) for c in text):
        raise NoteError("the note text has control characters")


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[tuple[str, bytes, bytes], ...]  # (name, key hash, signature)


def parse_note(note: str | bytes) -> Note:
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("the note is not UTF-8") from None
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("the note has no signature block")
    text, block = note[: split + 1], note[split + 2 :]
    _check_text(text)
    if not block.endswith("\n") or not block.strip():
        raise NoteError("the signature block is empty or does not end with a newline")
    sigs = []
    for line in block[:-1].split("\n"):
        if not line.startswith(SIG_PREFIX):
            raise NoteError("a signature line must start with an em dash and a space")
        name, sep, b64 = line[len(SIG_PREFIX) :].partition(" ")
        if not sep or " " in b64:
            raise NoteError("a signature line is `— name signature`")
        _check_name(name)
        raw = _b64decode(b64)
        if len(raw) < 5:
            raise NoteError("a signature is too short")
        sigs.append((name, raw[:4], raw[4:]))
    return Note(text, tuple(sigs))


def open_note(note: str | bytes, verifier: Verifier) -> str:
    """The note's text, if `verifier` signed it; NoteError otherwise. Signatures by other
    keys are ignored (as the spec allows); a matching name and hash with a bad signature is
    an error."""
    parsed = parse_note(note)
    known = [s for s in parsed.signatures if s[0] == verifier.name and s[1] == verifier.key_hash]
    if not known:
        raise NoteError(f"the note carries no signature by {verifier.name} with this key")
    for _, _, sig in known:
        if not verifier.verify(parsed.text.encode(), sig):
            raise NoteError("the note's signature does not verify")
    return parsed.text


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"

    @classmethod
    def parse(cls, text: str) -> "Checkpoint":
        if not text.endswith("\n"):
            raise NoteError("a checkpoint ends with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise NoteError("a checkpoint has an origin, a size and a root hash")
        origin, size_text, root_b64, *ext = lines
        if not origin:
            raise NoteError("a checkpoint's origin line is empty")
        if not _DECIMAL.match(size_text):
            raise NoteError("a checkpoint's size is a decimal number without leading zeros")
        root = _b64decode(root_b64)
        if len(root) != 32:
            raise NoteError("a checkpoint's root hash has 32 bytes")
        if any(not line for line in ext):
            raise NoteError("a checkpoint has no empty extension lines")
        return cls(origin, int(size_text), root, tuple(ext))


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer) -> str:
    return signer.sign(checkpoint.text())


def open_checkpoint(note: str | bytes, verifier: Verifier, origin: str | None = None) -> Checkpoint:
    """Verify a signed checkpoint and parse it. The origin must equal `origin` (default: the
    verifier key's name, the tlog-checkpoint convention)."""
    cp = Checkpoint.parse(open_note(note, verifier))
    want = origin if origin is not None else verifier.name
    if cp.origin != want:
        raise NoteError(f"the checkpoint's origin {cp.origin!r} is not {want!r}")
    return cp
