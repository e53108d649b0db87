"""Exports (CSV and JSONL) with a manifest holding the signed checkpoint and a proof of every
exported entry; `tatamutasi audit verify --export DIR` checks one offline with only the
verifier key, and catches an edited, removed, added or reordered line, an edited proof and a
checkpoint under another key. SQLite and PostgreSQL."""

import base64
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from audit_tamper_helpers import vkey
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tatamutasi_audit.ledger import merkle
from tatamutasi_audit.ledger.export import (
    MANIFEST,
    ExportInvalid,
    proof_ranges,
    verify_export,
)
from tatamutasi_audit.ledger.note import Checkpoint, Signer, sign_checkpoint
from tatamutasi_cli import audit_cmd
from tatamutasi_cli.main import app

Headers = Callable[..., dict[str, str]]
ORIGIN = "tatamutasi.example/pemda-lampung"
runner = CliRunner()


@pytest.fixture
def log(append: Any, make_envelope: Any) -> list[dict[str, Any]]:
    envs = [
        make_envelope(i, data={**make_envelope(i)["data"], "unor_id": f"U-{i % 3}"})
        for i in range(1, 41)
    ]
    append(envs[:25])
    append(envs[25:])
    return envs


def download(client: TestClient, headers: dict[str, str], folder: Path, **params: Any) -> Path:
    r = client.get("/ledger/export", params=params, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    audit_cmd.unpack_export(r.content, folder)
    return folder


def entries_file(folder: Path) -> Path:
    return next(p for p in folder.iterdir() if p.name.startswith("entries."))


def rewrite_lines(folder: Path, fn: Callable[[list[str]], list[str]]) -> None:
    path = entries_file(folder)
    path.write_text("".join(fn(path.read_text().splitlines(keepends=True))))


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_export_verifies_offline_with_only_the_key(
    audit_client: TestClient, auditor: dict[str, str], log: Any, tmp_path: Path, fmt: str
) -> None:
    folder = download(audit_client, auditor, tmp_path / "exp", format=fmt, unit="U-1")
    manifest = orjson.loads((folder / MANIFEST).read_bytes())
    assert manifest["tree_size"] == 40 and manifest["count"] == 14
    assert manifest["query"] == {"unit": "U-1", "after": -1, "limit": 10000}
    assert manifest["complete"] is True and manifest["proof"]["hashes"]
    report = verify_export(folder, vkey(audit_client, auditor))
    assert report.checkpoint.size == 40 and report.count == 14
    assert report.indices == [i for i in range(40) if (i + 1) % 3 == 1]
    # the entries are the ledger's bytes: each leaf hash is the one the log serves
    if fmt == "jsonl":
        lines = [orjson.loads(x) for x in entries_file(folder).read_bytes().splitlines()]
        first = lines[0]
        proof = audit_client.get(
            "/ledger/proofs/inclusion", params={"index": first["index"]}, headers=auditor
        ).json()
        assert proof["leaf_hash"] == first["leaf_hash"]
        assert orjson.loads(first["entry"])["data"]["nip"].startswith("psn:nip:")


def test_a_range_export_and_a_limited_export(
    audit_client: TestClient, auditor: dict[str, str], log: Any, tmp_path: Path
) -> None:
    whole = download(audit_client, auditor, tmp_path / "all")
    m = orjson.loads((whole / MANIFEST).read_bytes())
    assert m["count"] == 40 and m["proof"]["hashes"] == []  # nothing outside the export
    assert verify_export(whole, vkey(audit_client, auditor)).contiguous
    part = download(audit_client, auditor, tmp_path / "part", after=9, limit=7)
    m = orjson.loads((part / MANIFEST).read_bytes())
    assert (m["first_index"], m["last_index"], m["complete"], m["next_after"]) == (
        10,
        16,
        False,
        16,
    )
    assert verify_export(part, vkey(audit_client, auditor)).count == 7


def test_export_bad_input_is_a_problem(
    audit_client: TestClient, auditor: dict[str, str], log: Any, auth_headers: Headers
) -> None:
    for params in ({"format": "xlsx"}, {"limit": 0}, {"limit": 100_001}, {"after": -2}):
        r = audit_client.get("/ledger/export", params=params, headers=auditor)
        assert r.status_code == 422, params
        assert r.headers["content-type"] == "application/problem+json"
    r = audit_client.get("/ledger/export", headers=auth_headers("operator"))
    assert r.status_code == 403


TAMPERING: dict[str, Callable[[list[str]], list[str]]] = {
    "edited line": lambda ls: [ls[0], ls[1].replace("U-2", "U-7"), *ls[2:]],
    "removed line": lambda ls: [*ls[:2], *ls[3:]],
    "added line": lambda ls: [*ls[:3], ls[2], *ls[3:]],
    "reordered lines": lambda ls: [ls[0], ls[2], ls[1], *ls[3:]],
}


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize("kind", sorted(TAMPERING))
def test_tampered_lines_are_caught(
    audit_client: TestClient,
    auditor: dict[str, str],
    log: Any,
    tmp_path: Path,
    fmt: str,
    kind: str,
) -> None:
    folder = download(audit_client, auditor, tmp_path / "exp", format=fmt, unit="U-2")
    verify_export(folder, vkey(audit_client, auditor))
    rewrite_lines(folder, TAMPERING[kind])
    with pytest.raises(ExportInvalid):
        verify_export(folder, vkey(audit_client, auditor))


def _resign_line(line: bytes, old: bytes, new: bytes) -> bytes:
    """Edit an entry and fix its leaf_hash column, as a careful forger would."""
    row = orjson.loads(line)
    row["entry"] = row["entry"].replace(old.decode(), new.decode())
    row["leaf_hash"] = base64.b64encode(merkle.leaf_hash(row["entry"].encode())).decode()
    return orjson.dumps(row) + b"\n"


def test_a_consistent_forgery_still_misses_the_signed_root(
    audit_client: TestClient, auditor: dict[str, str], log: Any, tmp_path: Path
) -> None:
    folder = download(audit_client, auditor, tmp_path / "exp", unit="U-0")
    path = entries_file(folder)
    lines = path.read_bytes().splitlines(keepends=True)
    lines[3] = _resign_line(lines[3], b"U-0", b"U-9")
    path.write_bytes(b"".join(lines))
    with pytest.raises(ExportInvalid, match="signed root"):
        verify_export(folder, vkey(audit_client, auditor))


def test_an_edited_column_is_caught(
    audit_client: TestClient, auditor: dict[str, str], log: Any, tmp_path: Path
) -> None:
    folder = download(audit_client, auditor, tmp_path / "exp", format="csv")
    rewrite_lines(
        folder,
        lambda ls: [ls[0], ls[1].replace(",pegawai.registered,", ",pegawai.retired,"), *ls[2:]],
    )
    with pytest.raises(ExportInvalid, match="column type"):
        verify_export(folder, vkey(audit_client, auditor))


def test_a_line_removed_from_a_range_with_a_recomputed_proof_is_caught(
    audit_client: TestClient, auditor: dict[str, str], log: Any, tmp_path: Path
) -> None:
    """A forger who drops a line and rebuilds the proof (they know the dropped leaf) still
    fails on a range export: its indexes must be contiguous."""
    folder = download(audit_client, auditor, tmp_path / "exp", after=4, limit=10)
    path = entries_file(folder)
    lines = path.read_bytes().splitlines(keepends=True)
    rows = [orjson.loads(x) for x in lines]
    kept = [r for r in rows if r["index"] != 9]
    leaves = {r["index"]: base64.b64decode(r["leaf_hash"]) for r in rows}
    # the forger's proof: the genuine one for the original set, with leaf 9 folded in
    manifest = orjson.loads((folder / MANIFEST).read_bytes())
    size = manifest["tree_size"]
    whole = download(audit_client, auditor, tmp_path / "all")
    all_leaves = [
        base64.b64decode(orjson.loads(x)["leaf_hash"])
        for x in entries_file(whole).read_bytes().splitlines()
    ]
    nodes = merkle.new_nodes(0, all_leaves, lambda ids: [])
    proof = merkle.range_hashes(
        proof_ranges([r["index"] for r in kept], size), lambda ids: [nodes[i] for i in ids]
    )
    assert leaves[9] == all_leaves[9]
    manifest["proof"]["hashes"] = [base64.b64encode(h).decode() for h in proof]
    manifest["count"] = len(kept)
    (folder / MANIFEST).write_bytes(orjson.dumps(manifest))
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in kept))
    with pytest.raises(ExportInvalid, match="every index"):
        verify_export(folder, vkey(audit_client, auditor))


def test_an_edited_proof_or_a_checkpoint_under_another_key_is_caught(
    audit_client: TestClient, auditor: dict[str, str], log: Any, tmp_path: Path
) -> None:
    folder = download(audit_client, auditor, tmp_path / "exp", unit="U-1")
    manifest = orjson.loads((folder / MANIFEST).read_bytes())
    original = dict(manifest)
    hashes = manifest["proof"]["hashes"]
    manifest["proof"] = {**manifest["proof"], "hashes": [hashes[1], hashes[0], *hashes[2:]]}
    (folder / MANIFEST).write_bytes(orjson.dumps(manifest))
    with pytest.raises(ExportInvalid, match="signed root"):
        verify_export(folder, vkey(audit_client, auditor))
    # a checkpoint signed by someone else's key with the same origin
    other = Signer.generate(ORIGIN)
    forged = {**original}
    forged["checkpoint"] = sign_checkpoint(
        Checkpoint(ORIGIN, original["tree_size"], base64.b64decode(original["root"])), other
    )
    (folder / MANIFEST).write_bytes(orjson.dumps(forged))
    with pytest.raises(ExportInvalid, match="does not verify"):
        verify_export(folder, vkey(audit_client, auditor))
    # ... and the genuine export checked with the wrong key
    (folder / MANIFEST).write_bytes(orjson.dumps(original))
    with pytest.raises(ExportInvalid, match="does not verify"):
        verify_export(folder, other.verifier())
    assert verify_export(folder, vkey(audit_client, auditor)).count == 14


def test_cli_exports_and_verifies(
    audit_client: TestClient,
    auditor: dict[str, str],
    log: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Bound:
        def __init__(self, **kw: Any) -> None:
            assert kw["base_url"] == "http://audit.test"
            assert kw["headers"] == {"Authorization": auditor["Authorization"]}
            audit_client.headers.update(kw["headers"])  # what the real client would send

        def __enter__(self) -> TestClient:
            return audit_client

        def __exit__(self, *exc: object) -> None:
            return None

    monkeypatch.setattr(audit_cmd.httpx, "Client", Bound)
    token = auditor["Authorization"].removeprefix("Bearer ")
    out = tmp_path / "export"
    result = runner.invoke(
        app,
        [
            "audit",
            "export",
            "--url",
            "http://audit.test",
            "--out",
            str(out),
            "--format",
            "csv",
            "-q",
            "unit=U-1",
            "--token",
            token,
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["entries.csv", "manifest.json"]
    vkey_file = tmp_path / "log.vkey"
    vkey_file.write_text(vkey(audit_client, auditor).encode())
    ok = runner.invoke(app, ["audit", "verify", "--export", str(out), "--vkey", str(vkey_file)])
    assert ok.exit_code == 0, ok.output
    assert "OK: 14 CSV entries" in ok.output and "unit=U-1" in ok.output
    rewrite_lines(out, lambda ls: ls[:-1])
    bad = runner.invoke(app, ["audit", "verify", "--export", str(out), "--vkey", str(vkey_file)])
    assert bad.exit_code == 1 and "FAILED" in bad.output
    both = runner.invoke(
        app,
        ["audit", "verify", "--export", str(out), "--url", "http://x", "--vkey", str(vkey_file)],
    )
    assert both.exit_code == 2


def test_unpack_refuses_unexpected_files(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("../evil", b"x")
    with pytest.raises(ValueError, match="unexpected file"):
        audit_cmd.unpack_export(buf.getvalue(), tmp_path)
    with pytest.raises(ValueError, match="not a zip"):
        audit_cmd.unpack_export(b"nope", tmp_path)
    assert not (tmp_path.parent / "evil").exists()
