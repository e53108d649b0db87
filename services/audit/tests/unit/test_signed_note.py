"""C2SP signed-note and tlog-checkpoint, checked against the spec's byte format computed
here independently (hashlib + raw Ed25519), not through the module's own helpers."""

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tatamutasi_audit.ledger.note import (
    Checkpoint,
    NoteError,
    Signer,
    Verifier,
    open_checkpoint,
    open_note,
    parse_note,
    sign_checkpoint,
)

ORIGIN = "tatamutasi.example/pemda-lampung"
ROOT = hashlib.sha256(b"root").digest()


def _independent_note(name: str, priv: Ed25519PrivateKey, text: str) -> tuple[str, str]:
    """A signed note and its vkey, built straight from the spec."""
    pub = priv.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    khash = hashlib.sha256(name.encode() + b"\n\x01" + pub).digest()[:4]
    b64key = base64.b64encode(b"\x01" + pub).decode()
    vkey = f"{name}+{khash.hex()}+{b64key}"
    sig = priv.sign(text.encode())
    note = f"{text}\n\u2014 {name} {base64.b64encode(khash + sig).decode()}\n"
    return note, vkey


def test_our_checkpoint_matches_the_spec_bytes() -> None:
    signer = Signer.generate(ORIGIN)
    note = sign_checkpoint(Checkpoint(ORIGIN, 5, ROOT), signer)
    text = f"{ORIGIN}\n5\n{base64.b64encode(ROOT).decode()}\n"
    assert note.startswith(text + "\n\u2014 " + ORIGIN + " ")
    # verify with nothing but the spec: key hash prefix and a raw Ed25519 check
    vkey = signer.verifier().encode()
    name, hexhash, b64 = vkey.split("+", 2)
    raw = base64.b64decode(b64)
    assert raw[0] == 1 and len(raw) == 33 and name == ORIGIN
    assert hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() == hexhash
    blob = base64.b64decode(note.rsplit(" ", 1)[1])
    assert blob[:4].hex() == hexhash
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    Ed25519PublicKey.from_public_bytes(raw[1:]).verify(blob[4:], text.encode())


def test_we_verify_a_note_signed_independently() -> None:
    priv = Ed25519PrivateKey.generate()
    text = f"{ORIGIN}\n7\n{base64.b64encode(ROOT).decode()}\n"
    note, vkey = _independent_note(ORIGIN, priv, text)
    cp = open_checkpoint(note, Verifier.parse(vkey))
    assert (cp.origin, cp.size, cp.root) == (ORIGIN, 7, ROOT)


def test_wrong_origin_is_rejected() -> None:
    priv = Ed25519PrivateKey.generate()
    text = f"tatamutasi.example/pemda-jambi\n7\n{base64.b64encode(ROOT).decode()}\n"
    note, vkey = _independent_note(ORIGIN, priv, text)
    with pytest.raises(NoteError, match="origin"):
        open_checkpoint(note, Verifier.parse(vkey))
    assert open_checkpoint(note, Verifier.parse(vkey), "tatamutasi.example/pemda-jambi").size == 7


def test_key_hash_mismatch_is_rejected() -> None:
    priv = Ed25519PrivateKey.generate()
    note, vkey = _independent_note(
        ORIGIN, priv, f"{ORIGIN}\n1\n{base64.b64encode(ROOT).decode()}\n"
    )
    name, hexhash, b64 = vkey.split("+", 2)
    bad = f"{name}+{int(hexhash, 16) ^ 1:08x}+{b64}"
    with pytest.raises(NoteError, match="hash"):
        Verifier.parse(bad)
    # a signature line with another key hash is not "ours": no known signature
    v = Verifier.parse(vkey)
    other = Verifier(v.name, bytes(4), v.public_key)
    with pytest.raises(NoteError, match="no signature"):
        open_note(note, other)


def test_other_key_or_edited_text_fails() -> None:
    signer, other = Signer.generate(ORIGIN), Signer.generate(ORIGIN)
    note = sign_checkpoint(Checkpoint(ORIGIN, 3, ROOT), signer)
    with pytest.raises(NoteError):
        open_checkpoint(note, other.verifier())
    edited = note.replace("\n3\n", "\n4\n", 1)
    with pytest.raises(NoteError, match="does not verify"):
        open_checkpoint(edited, signer.verifier())


def test_unknown_extra_signatures_are_ignored() -> None:
    signer = Signer.generate(ORIGIN)
    note = sign_checkpoint(Checkpoint(ORIGIN, 3, ROOT), signer)
    witness = Signer.generate("witness.example")
    extra = witness.sign(Checkpoint(ORIGIN, 3, ROOT).text()).split("\n\n", 1)[1]
    assert open_checkpoint(note + extra, signer.verifier()).size == 3
    assert len(parse_note(note + extra).signatures) == 2


def test_signer_key_round_trip_and_format() -> None:
    signer = Signer.generate(ORIGIN)
    text = signer.encode()
    assert text.startswith(f"PRIVATE+KEY+{ORIGIN}+{signer.verifier().key_hash.hex()}+")
    assert Signer.parse(text) == signer
    assert Verifier.parse(signer.verifier().encode()) == signer.verifier()


@pytest.mark.parametrize(
    "note",
    [
        "no signatures\n",
        "text without newline\n\u2014 a AAAA\n",
        "t\n\n- a AAAAAAAA\n",  # hyphen, not an em dash
        "t\n\n\u2014 a not-base64!\n",
        "t\n\n\u2014 a AAAA\n",  # shorter than key hash + signature
        "t\n\n\u2014 a AAAAAAAA",  # no final newline
        "t\x01\n\n\u2014 a AAAAAAAA\n",
    ],
)
def test_malformed_notes_are_rejected(note: str) -> None:
    with pytest.raises(NoteError):
        open_note(note, Signer.generate("a").verifier())


@pytest.mark.parametrize(
    "text",
    [
        "origin\n5\n",
        "\n5\nAAAA\n",
        "o\n05\n" + base64.b64encode(ROOT).decode() + "\n",
        "o\n-1\n" + base64.b64encode(ROOT).decode() + "\n",
        "o\n5\nAAAA\n",
        "o\n5\n" + base64.b64encode(ROOT).decode(),
        "o\n5\n" + base64.b64encode(ROOT).decode() + "\n\n",
    ],
)
def test_malformed_checkpoints_are_rejected(text: str) -> None:
    with pytest.raises(NoteError):
        Checkpoint.parse(text)


def test_checkpoint_extension_lines_round_trip() -> None:
    cp = Checkpoint(ORIGIN, 9, ROOT, ("Timestamp: 1700000000",))
    assert Checkpoint.parse(cp.text()) == cp


@pytest.mark.parametrize("vkey", ["a+b", "a b+00000000+AQ==", "a+0000000g+AQ==", "a+00000000+AQ=="])
def test_malformed_verifier_keys_are_rejected(vkey: str) -> None:
    with pytest.raises(NoteError):
        Verifier.parse(vkey)
