"""The audit read API: tlog-tiles, JSON proofs, checkpoints, key, self-check; 4xx for bad
input; reader roles only. Runs on SQLite and PostgreSQL."""

import base64
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tatamutasi_audit.ledger import merkle
from tatamutasi_audit.ledger.note import Verifier, open_checkpoint
from tatamutasi_audit.ledger.tiles import decode_bundle

Headers = Callable[..., dict[str, str]]
ORIGIN = "tatamutasi.example/pemda-lampung"


def b64d(s: str) -> bytes:
    return base64.b64decode(s)


@pytest.fixture
def filled(append: Any, make_envelope: Any) -> list[dict[str, Any]]:
    """300 entries in three batches (so tiles are full and partial, and 3 checkpoints)."""
    envs = [make_envelope(i) for i in range(1, 301)]
    for a, b in ((0, 100), (100, 257), (257, 300)):
        append(envs[a:b])
    return envs


def _vkey(client: TestClient, h: dict[str, str]) -> Verifier:
    body = client.get("/ledger/key", headers=h).json()
    assert body["origin"] == ORIGIN
    return Verifier.parse(body["vkey"])


def test_empty_log_has_a_signed_checkpoint_of_size_zero(
    audit_client: TestClient, auditor: dict[str, str]
) -> None:
    r = audit_client.get("/checkpoint", headers=auditor)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    cp = open_checkpoint(r.text, _vkey(audit_client, auditor))
    assert (cp.origin, cp.size, cp.root) == (ORIGIN, 0, merkle.EMPTY_ROOT)


def test_checkpoint_tiles_and_bundles_give_the_signed_root(
    audit_client: TestClient, auditor: dict[str, str], filled: list[dict[str, Any]]
) -> None:
    cp = open_checkpoint(
        audit_client.get("/checkpoint", headers=auditor).text, _vkey(audit_client, auditor)
    )
    assert cp.size == 300
    b0 = audit_client.get("/tile/entries/000", headers=auditor)
    b1 = audit_client.get("/tile/entries/001.p/44", headers=auditor)
    assert b0.status_code == 200 and b0.headers["content-type"] == "application/octet-stream"
    entries = decode_bundle(b0.content) + decode_bundle(b1.content)
    assert len(entries) == 300
    assert merkle.root_from_entries(entries) == cp.root
    t0 = audit_client.get("/tile/0/000", headers=auditor).content
    t1 = audit_client.get("/tile/0/001.p/44", headers=auditor).content
    assert len(t0) == 256 * 32 and len(t1) == 44 * 32
    leaves = [t0[i : i + 32] for i in range(0, len(t0), 32)] + [
        t1[i : i + 32] for i in range(0, len(t1), 32)
    ]
    assert leaves == [merkle.leaf_hash(e) for e in entries]
    top = audit_client.get("/tile/1/000.p/1", headers=auditor).content
    assert top == merkle.root_from_leaf_hashes(leaves[:256])
    # a smaller prefix of a partial tile is served too (tiles only grow)
    assert audit_client.get("/tile/0/001.p/10", headers=auditor).content == t1[: 10 * 32]


def test_entries_are_pseudonymised_canonical_json(
    audit_client: TestClient,
    auditor: dict[str, str],
    append: Any,
    make_envelope: Any,
    make_nip: Any,
) -> None:
    append([make_envelope(1)])
    item = audit_client.get("/ledger/entries", headers=auditor).json()["items"][0]
    raw = b64d(item["entry_b64"])
    assert make_nip(1).encode() not in raw and b"Pegawai Uji" not in raw
    assert item["subject"].startswith("psn:nip:") and item["subject"] == item["event"]["subject"]
    assert item["event"]["data"]["nip"] == item["subject"]
    assert item["event"]["data"]["name"].startswith("psn:name:")
    assert item["event"]["data"]["unor_id"] == "U-DINKES" and item["actor"] == "bkd-1"
    assert b" " not in raw.replace(b"Pegawai", b"")  # compact RFC 8785 form
    assert b64d(item["leaf_hash"]) == merkle.leaf_hash(raw)


def test_auditor_finds_a_person_through_the_pseudonym_index(
    audit_client: TestClient,
    auditor: dict[str, str],
    auth_headers: Headers,
    append: Any,
    make_envelope: Any,
    make_nip: Any,
) -> None:
    append([make_envelope(1), make_envelope(2), make_envelope(3, person=1)])
    r = audit_client.get(f"/ledger/pseudonyms/{make_nip(1)}", headers=auditor)
    assert r.status_code == 200
    body = r.json()
    assert body["entries"] == 2 and body["pseudonym"].startswith("psn:nip:")
    items = audit_client.get(
        "/ledger/entries", params={"pseudonym": body["pseudonym"]}, headers=auditor
    ).json()["items"]
    assert [i["sequence"] for i in items] == [1, 3]
    # integrations read the pseudonymised ledger but cannot map NIPs to pseudonyms
    denied = audit_client.get(
        f"/ledger/pseudonyms/{make_nip(1)}", headers=auth_headers("integration")
    )
    assert denied.status_code == 403
    bad = audit_client.get("/ledger/pseudonyms/12345", headers=auditor)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "nip"


def test_inclusion_proof_by_index_and_by_event_id_verifies(
    audit_client: TestClient, auditor: dict[str, str], filled: list[dict[str, Any]]
) -> None:
    for params in ({"index": 0}, {"index": 299}, {"event_id": filled[150]["id"]}):
        r = audit_client.get("/ledger/proofs/inclusion", params=params, headers=auditor)
        assert r.status_code == 200, r.text
        p = r.json()
        assert p["tree_size"] == 300 and p["checkpoint"] is not None
        cp = open_checkpoint(p["checkpoint"], _vkey(audit_client, auditor))
        merkle.verify_inclusion(
            p["index"], 300, b64d(p["leaf_hash"]), [b64d(h) for h in p["proof"]], cp.root
        )
        assert merkle.leaf_hash(b64d(p["entry"]["entry_b64"])) == b64d(p["leaf_hash"])
    p = audit_client.get(
        "/ledger/proofs/inclusion", params={"event_id": filled[150]["id"]}, headers=auditor
    ).json()
    assert p["entry"]["event_id"] == filled[150]["id"]
    # at an older checkpointed size
    old = audit_client.get(
        "/ledger/proofs/inclusion", params={"index": 5, "size": 100}, headers=auditor
    ).json()
    cp100 = open_checkpoint(old["checkpoint"], _vkey(audit_client, auditor))
    assert cp100.size == 100
    merkle.verify_inclusion(
        5, 100, b64d(old["leaf_hash"]), [b64d(h) for h in old["proof"]], cp100.root
    )


def test_consistency_proofs_between_checkpoints_verify(
    audit_client: TestClient, auditor: dict[str, str], filled: list[dict[str, Any]]
) -> None:
    cps = audit_client.get("/ledger/checkpoints", headers=auditor).json()["items"]
    assert [c["size"] for c in cps] == [0, 100, 257, 300]
    v = _vkey(audit_client, auditor)
    roots = {c["size"]: open_checkpoint(c["note"], v).root for c in cps}
    for first, second in ((100, 257), (100, 300), (257, 300), (1, 300), (300, 300)):
        r = audit_client.get(
            "/ledger/proofs/consistency",
            params={"first": first, "second": second},
            headers=auditor,
        )
        assert r.status_code == 200, r.text
        p = r.json()
        root1 = roots.get(first, b64d(p["first_root"]))
        merkle.verify_consistency(
            first, second, [b64d(h) for h in p["proof"]], root1, roots[second]
        )


def test_entries_by_range_and_filters(
    audit_client: TestClient, auditor: dict[str, str], filled: list[dict[str, Any]]
) -> None:
    page = audit_client.get(
        "/ledger/entries", params={"after": 9, "before": 15, "limit": 3}, headers=auditor
    ).json()
    assert [i["index"] for i in page["items"]] == [10, 11, 12] and page["next_after"] == 12
    rest = audit_client.get(
        "/ledger/entries", params={"after": 12, "before": 15, "limit": 3}, headers=auditor
    ).json()
    assert [i["index"] for i in rest["items"]] == [13, 14]
    # index order is producer order (source, sequence) inside each batch
    seqs = [
        i["sequence"]
        for i in audit_client.get("/ledger/entries", params={"limit": 300}, headers=auditor).json()[
            "items"
        ]
    ]
    assert seqs == list(range(1, 301))


BAD_TILES = [
    ("/tile/0/001", 404),  # not full yet
    ("/tile/0/001.p/45", 404),  # beyond the tree
    ("/tile/0/002.p/1", 404),
    ("/tile/2/000.p/1", 404),
    ("/tile/entries/001", 404),
    ("/tile/entries/005.p/3", 404),
    ("/tile/0/1", 400),
    ("/tile/0/x000/001", 400),
    ("/tile/0/000.p/0", 400),
    ("/tile/0/000.p/256", 400),
    ("/tile/0/000.p/010", 400),
    ("/tile/64/000", 400),
    ("/tile/x/000", 400),
    ("/tile/entries/abc", 400),
    ("/tile/entries/000.p", 400),
]


def test_bad_tile_requests_are_problems(
    audit_client: TestClient, auditor: dict[str, str], filled: list[dict[str, Any]]
) -> None:
    for path, status in BAD_TILES:
        r = audit_client.get(path, headers=auditor)
        assert r.status_code == status, (path, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["detail_en"] and r.json()["detail_id"]


BAD_PROOFS: list[tuple[str, dict[str, Any], str]] = [
    ("/ledger/proofs/inclusion", {"index": 300}, "index"),
    ("/ledger/proofs/inclusion", {"index": 0, "size": 301}, "size"),
    ("/ledger/proofs/inclusion", {"index": 0, "size": 0}, "size"),
    ("/ledger/proofs/inclusion", {}, "index"),
    ("/ledger/proofs/inclusion", {"index": 1, "event_id": "x"}, "index"),
    ("/ledger/proofs/inclusion", {"event_id": "nope"}, "event_id"),
    ("/ledger/proofs/consistency", {"first": 0}, "first"),
    ("/ledger/proofs/consistency", {"first": 200, "second": 100}, "first"),
    ("/ledger/proofs/consistency", {"first": 1, "second": 301}, "second"),
    ("/ledger/proofs/consistency", {"first": 1, "second": 0}, "second"),
    ("/ledger/proofs/consistency", {"first": 301}, "first"),
    ("/ledger/proofs/inclusion", {"index": 5, "size": 5}, "index"),
    ("/ledger/proofs/inclusion", {"index": -1}, "index"),
]


def test_bad_proof_requests_are_problems(
    audit_client: TestClient, auditor: dict[str, str], filled: list[dict[str, Any]]
) -> None:
    for path, params, field in BAD_PROOFS:
        r = audit_client.get(path, params=params, headers=auditor)
        assert 400 <= r.status_code < 500, (params, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["errors"][0]["field"] == field, params


def test_proofs_on_an_empty_log_are_problems(
    audit_client: TestClient, auditor: dict[str, str]
) -> None:
    for path, params in (
        ("/ledger/proofs/inclusion", {"index": 0}),
        ("/ledger/proofs/consistency", {"first": 1}),
    ):
        r = audit_client.get(path, params=params, headers=auditor)
        assert r.status_code == 422 and "empty" in r.json()["detail_en"]
    assert audit_client.get("/tile/0/000.p/1", headers=auditor).status_code == 404
    assert audit_client.get("/tile/entries/000.p/1", headers=auditor).status_code == 404


@pytest.mark.parametrize("role", ["auditor", "integration", "admin"])
def test_readers_may_read(audit_client: TestClient, auth_headers: Headers, role: str) -> None:
    for path in ("/checkpoint", "/ledger/entries", "/ledger/key", "/ledger/verify"):
        assert audit_client.get(path, headers=auth_headers(role)).status_code == 200, path


@pytest.mark.parametrize("role", ["operator", "penilai", "ppk", "pegawai"])
def test_other_roles_may_not(audit_client: TestClient, auth_headers: Headers, role: str) -> None:
    for path in ("/checkpoint", "/tile/0/000", "/tile/entries/000", "/ledger/entries"):
        r = audit_client.get(path, headers=auth_headers(role))
        assert r.status_code == 403, path
    assert audit_client.get("/checkpoint").status_code == 401


def test_self_check_reports_a_healthy_ledger(
    audit_client: TestClient, auditor: dict[str, str], filled: list[dict[str, Any]]
) -> None:
    v = audit_client.get("/ledger/verify", headers=auditor).json()
    assert v["consistent"] and v["size"] == 300 and v["checkpoints"] == 4
    assert v["problems"] == [] and v["first_bad_index"] is None


def test_appending_the_same_events_again_changes_nothing(
    audit_client: TestClient, auditor: dict[str, str], append: Any, make_envelope: Any
) -> None:
    envs = [make_envelope(i) for i in range(1, 6)]
    first = append(envs)
    assert (first.count, first.size) == (5, 5)
    again = append([*envs[2:], make_envelope(6)])
    assert (again.count, again.size) == (1, 6)
    assert append(envs).count == 0
    cps = audit_client.get("/ledger/checkpoints", headers=auditor).json()["items"]
    assert [c["size"] for c in cps] == [0, 5, 6]


def test_auditor_filters_by_actor_subject_and_time(
    audit_client: TestClient,
    auditor: dict[str, str],
    append: Any,
    make_envelope: Any,
    make_nip: Any,
) -> None:
    append(
        [
            make_envelope(1, time="2026-01-05T08:00:00Z"),
            make_envelope(2, time="2026-02-05T08:00:00Z", actor="bkd-2"),
            make_envelope(3, time="2026-03-05T08:00:00+07:00", person=1),
        ]
    )

    def seqs(**params: Any) -> list[int]:
        r = audit_client.get("/ledger/entries", params=params, headers=auditor)
        assert r.status_code == 200, r.text
        return [i["sequence"] for i in r.json()["items"]]

    assert seqs(actor="bkd-2") == [2]
    psn = audit_client.get(f"/ledger/pseudonyms/{make_nip(1)}", headers=auditor).json()
    assert seqs(subject=psn["pseudonym"]) == [1, 3]
    assert seqs(time_from="2026-02-01T00:00:00Z") == [2, 3]
    # 08:00+07:00 is 01:00Z; time_to is exclusive
    assert seqs(time_from="2026-02-01T00:00:00Z", time_to="2026-03-05T01:00:01Z") == [2, 3]
    assert seqs(time_to="2026-03-05T01:00:00Z") == [1, 2]
    bad = audit_client.get("/ledger/entries", params={"time_from": "yesterday"}, headers=auditor)
    assert bad.status_code == 422
