"""`/ledger`: entries, proofs, checkpoints, the verifier key and the self-check (readers:
auditor, integration, admin; read-only). JSON companions of the tlog-tiles API."""

import base64
import io
import zipfile
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from pydantic import AwareDatetime, BaseModel, Field

from tatamutasi_audit.api.deps import (
    KeysDep,
    PersonReader,
    Reader,
    bad_query,
    corrupt_as_problem,
)
from tatamutasi_audit.ledger import export, merkle
from tatamutasi_audit.ledger.entries import NIP
from tatamutasi_audit.ledger.note import Checkpoint
from tatamutasi_audit.service import ledger
from tatamutasi_audit.service.consumer import completeness_status
from tatamutasi_contracts.envelope import format_time
from tatamutasi_platform.clock import utcnow
from tatamutasi_platform.http import SQL_INT_MAX, RuntimeDep, decode_cursor, encode_cursor
from tatamutasi_platform.problems import Problem
from tatamutasi_platform.responses import problem_responses

router = APIRouter(prefix="/ledger", tags=["ledger"], responses=problem_responses(400, 404))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class EntryOut(BaseModel):
    index: int = Field(description="Position in the ledger (leaf index), from 0")
    event_id: str
    source: str
    sequence: int
    type: str
    subject: str | None = Field(description="Subject as recorded (NIPs are pseudonyms)")
    time: str
    actor: str
    event: dict[str, Any] = Field(description="The entry: the event as recorded")
    entry_b64: str = Field(description="The exact entry bytes (RFC 8785 JSON), base64")
    leaf_hash: str = Field(description="SHA-256(0x00 || entry), base64 (RFC 9162 leaf hash)")
    appended_at: str
    proof_url: str = Field(
        description="Inclusion proof of this entry against the latest signed checkpoint"
    )


class EntryPage(BaseModel):
    items: list[EntryOut]
    next_after: int | None = Field(description="Pass as `after` for the next page")
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page (None: last page)"
    )


class InclusionOut(BaseModel):
    index: int
    tree_size: int
    leaf_hash: str = Field(description="base64")
    proof: list[str] = Field(description="RFC 9162 inclusion path, base64, leaf upwards")
    root: str = Field(description="Root of the tree of `tree_size`, base64")
    checkpoint: str | None = Field(description="The signed checkpoint of that size, if any")
    entry: EntryOut


class ConsistencyOut(BaseModel):
    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str] = Field(description="RFC 9162 consistency proof, base64")


class CheckpointOut(BaseModel):
    size: int
    root: str
    note: str | None


class CheckpointPage(BaseModel):
    items: list[CheckpointOut]
    next_after: int | None


class KeyOut(BaseModel):
    origin: str = Field(description="Checkpoint origin line (and key name)")
    vkey: str = Field(description="Verifier key in the C2SP signed-note format")


class VerificationOut(BaseModel):
    size: int
    root: str = Field(description="Stored root, hex")
    checkpoints: int
    consistent: bool
    first_bad_index: int | None
    problems: list[str]


class PseudonymOut(BaseModel):
    pseudonym: str = Field(description="What the ledger records instead of this NIP")
    entries: int = Field(description="How many entries mention it")


def _bad_nip(location: str) -> Problem:
    return Problem(
        422,
        "validation-error",
        "Unprocessable Content",
        "A NIP has 18 digits",
        "NIP terdiri atas 18 digit",
        extra={
            "errors": [
                {
                    "field": "nip",
                    "location": location,
                    "code": "pattern",
                    "message_en": "A NIP has 18 digits",
                    "message_id": "NIP terdiri atas 18 digit",
                }
            ]
        },
    )


def entry_out(e: ledger.LedgerEntry) -> EntryOut:
    return EntryOut(
        index=e.index,
        event_id=e.event_id,
        source=e.source,
        sequence=e.sequence,
        type=e.type,
        subject=e.subject,
        time=e.time,
        actor=e.actor,
        event=orjson.loads(e.entry),
        entry_b64=b64(e.entry),
        leaf_hash=b64(merkle.leaf_hash(e.entry)),
        appended_at=e.appended_at.isoformat(),
        proof_url=f"/ledger/proofs/inclusion?index={e.index}",
    )


PERSON_ROLES = ("auditor", "admin")


def _forbidden_person_lookup(field: str) -> Problem:
    return Problem(
        403,
        "forbidden-role",
        "Forbidden",
        f"Looking up a person by NIP ({field}) is for the auditor role",
        f"Pencarian orang berdasarkan NIP ({field}) hanya untuk peran auditor",
        extra={"required_roles": list(PERSON_ROLES), "field": field},
    )


@dataclass(frozen=True)
class EntryFilters:
    """What an auditor query selects (shared by the entry list and the exports)."""

    event_type: str | None = None
    source: str | None = None
    pseudonym: str | None = None
    actor: str | None = None
    subject: str | None = None
    time_from: str | None = None
    time_to: str | None = None
    keys: dict[str, str] = dc_field(default_factory=dict)

    def describe(self) -> dict[str, str]:
        """The filters as given (pseudonyms, never NIPs), for export manifests."""
        out = {
            "type": self.event_type,
            "source": self.source,
            "pseudonym": self.pseudonym,
            "actor": self.actor,
            "subject": self.subject,
            "time_from": self.time_from,
            "time_to": self.time_to,
            **self.keys,
        }
        return {k: v for k, v in out.items() if v is not None}


def entry_filters(
    principal: Reader,
    keys: KeysDep,
    type: Annotated[str | None, Query(max_length=100, description="Event type")] = None,
    source: Annotated[str | None, Query(max_length=200, description="Producer")] = None,
    nip: Annotated[
        str | None,
        Query(
            description="Entries about this person (NIP or NI PPPK), through the pseudonym "
            "index: auditor and admin only"
        ),
    ] = None,
    pseudonym: Annotated[
        str | None, Query(max_length=64, description="Entries that mention this pseudonym")
    ] = None,
    actor: Annotated[
        str | None,
        Query(max_length=200, description="Who caused it (as recorded; a NIP is looked up)"),
    ] = None,
    subject: Annotated[
        str | None,
        Query(max_length=200, description="Aggregate id (as recorded; a NIP is looked up)"),
    ] = None,
    unit: Annotated[
        str | None, Query(max_length=200, description="Entries about this unit (unor_id)")
    ] = None,
    round: Annotated[
        str | None, Query(max_length=200, description="Entries of this mutasi round (round_id)")
    ] = None,
    flag: Annotated[
        str | None, Query(max_length=200, description="Entries about this red flag (flag_id)")
    ] = None,
    proposal: Annotated[
        str | None, Query(max_length=200, description="Entries about this proposal")
    ] = None,
    time_from: Annotated[
        AwareDatetime | None, Query(description="Events that happened at or after this")
    ] = None,
    time_to: Annotated[
        AwareDatetime | None, Query(description="Events that happened before this")
    ] = None,
) -> EntryFilters:
    may_see_people = principal.has_any(PERSON_ROLES)

    def person(field: str, value: str | None) -> str | None:
        if value is None or not NIP.match(value):
            return value
        if not may_see_people:
            raise _forbidden_person_lookup(field)
        return keys.pseudonymiser.nip(value)

    if nip is not None:
        if not NIP.match(nip):
            raise _bad_nip("query")
        if not may_see_people:
            raise _forbidden_person_lookup("nip")
        wanted = keys.pseudonymiser.nip(nip)
        if pseudonym is not None and pseudonym != wanted:
            raise bad_query(
                "pseudonym",
                "nip and pseudonym name different people",
                "nip dan pseudonym menunjuk orang yang berbeda",
            )
        pseudonym = wanted
    found = {"unit": unit, "round": round, "flag": flag, "proposal": proposal}
    return EntryFilters(
        event_type=type,
        source=source,
        pseudonym=pseudonym,
        actor=person("actor", actor),
        subject=person("subject", subject),
        time_from=format_time(time_from) if time_from else None,
        time_to=format_time(time_to) if time_to else None,
        keys={k: v for k, v in found.items() if v is not None},
    )


Filters = Annotated[EntryFilters, Depends(entry_filters)]


async def select_entries(
    conn: Any, f: EntryFilters, *, after: int, limit: int, before: int | None = None
) -> list[ledger.LedgerEntry]:
    return await ledger.entries(
        conn,
        after=after,
        before=before,
        limit=limit,
        event_type=f.event_type,
        source=f.source,
        pseudonym=f.pseudonym,
        actor=f.actor,
        subject=f.subject,
        time_from=f.time_from,
        time_to=f.time_to,
        keys=f.keys,
    )


@router.get(
    "/entries",
    response_model=EntryPage,
    summary="Ledger entries in index order (auditor queries); each with its proof link",
)
async def list_entries(
    runtime: RuntimeDep,
    filters: Filters,
    after: Annotated[
        int, Query(ge=-1, le=SQL_INT_MAX, description="Last index already seen (-1: start)")
    ] = -1,
    cursor: Annotated[
        str | None, Query(max_length=200, description="`next_cursor` of the previous page")
    ] = None,
    before: Annotated[
        int | None, Query(ge=0, le=SQL_INT_MAX, description="Stop before this index")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EntryPage:
    decoded = decode_cursor(cursor, 1)
    if decoded is not None:
        if type(decoded[0]) is not int or not -1 <= decoded[0] <= SQL_INT_MAX:
            raise bad_query(
                "cursor",
                "The cursor is not one this service issued",
                "Kursor tidak dikenali; gunakan kursor dari halaman sebelumnya",
                status=400,
                problem_type="invalid-cursor",
            )
        after = max(after, int(decoded[0]))
    async with runtime.engine.connect() as conn:
        rows = await select_entries(conn, filters, after=after, before=before, limit=limit)
    items = [entry_out(e) for e in rows]
    more = len(items) == limit
    return EntryPage(
        items=items,
        next_after=items[-1].index if more else None,
        next_cursor=encode_cursor([items[-1].index]) if more else None,
    )


EXPORT_MAX = 100_000


@router.get(
    "/export",
    summary="Export entries (CSV or JSONL) with a manifest that proves every one of them",
    response_class=Response,
    responses={
        200: {
            "content": {"application/zip": {}},
            "description": "A zip with manifest.json (signed checkpoint, query, multi-inclusion "
            "proof) and entries.jsonl or entries.csv; verify with `tatamutasi audit verify "
            "--export DIR`",
        }
    },
)
async def export_entries(
    runtime: RuntimeDep,
    filters: Filters,
    format: Annotated[Literal["jsonl", "csv"], Query(description="Entries file format")] = "jsonl",
    after: Annotated[
        int, Query(ge=-1, le=SQL_INT_MAX, description="Export entries after this index")
    ] = -1,
    before: Annotated[
        int | None, Query(ge=0, le=SQL_INT_MAX, description="Stop before this index")
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=EXPORT_MAX, description="At most this many entries")
    ] = 10_000,
) -> Response:
    with corrupt_as_problem():
        async with runtime.engine.connect() as conn:
            head = await ledger.head(conn)
            if head.note is None:
                raise Problem(
                    404,
                    "no-checkpoint",
                    "Not Found",
                    "The log has not published a checkpoint yet",
                    "Log belum menerbitkan checkpoint",
                )
            stop = head.size if before is None else min(before, head.size)
            rows = await select_entries(conn, filters, after=after, before=stop, limit=limit + 1)
            more = len(rows) > limit
            rows = rows[:limit]
            proof = await ledger.multi_inclusion_proof(conn, [r.index for r in rows], head.size)
    query: dict[str, Any] = {**filters.describe(), "after": after, "limit": limit}
    if before is not None:
        query["before"] = before
    files = export.build_export(
        [
            export.ExportRow(
                r.index,
                r.event_id,
                r.source,
                r.sequence,
                r.type,
                r.subject,
                r.time,
                r.actor,
                r.entry,
            )
            for r in rows
        ],
        fmt=format,
        checkpoint_note=head.note,
        checkpoint=Checkpoint(_origin(head.note), head.size, head.root),
        proof=proof,
        query=query,
        complete=not more,
        next_after=rows[-1].index if more else None,
        created_at=utcnow(),
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return Response(
        buf.getvalue(),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="ledger-export-{head.size}.zip"',
            "Cache-Control": "no-store",
        },
    )


def _origin(note: str) -> str:
    return note.split("\n", 1)[0]


async def _size(
    runtime: RuntimeDep, conn: Any, size: int | None, field: str, size_field: str = "size"
) -> tuple[int, bytes, str | None]:
    head = await ledger.current_head(runtime)
    if head.size == 0:
        raise bad_query(
            field,
            "The ledger is empty: there is nothing to prove",
            "Ledger masih kosong: belum ada yang dapat dibuktikan",
        )
    if size is None or size == head.size:
        return head.size, head.root, head.note
    if not 1 <= size <= head.size:
        raise bad_query(
            size_field,
            f"Tree size must be 1..{head.size}",
            f"Ukuran pohon harus 1..{head.size}",
        )
    cps = await ledger.checkpoints(conn, after=size - 1, limit=1)
    note = cps[0].note if cps and cps[0].size == size else None
    return size, await ledger.root_at(conn, size), note


@router.get(
    "/proofs/inclusion",
    response_model=InclusionOut,
    summary="Inclusion proof of one entry, by index or by event id",
)
async def inclusion_proof(
    runtime: RuntimeDep,
    _p: Reader,
    index: Annotated[int | None, Query(ge=0, le=SQL_INT_MAX, description="Leaf index")] = None,
    event_id: Annotated[str | None, Query(max_length=64, description="Event id")] = None,
    size: Annotated[
        int | None,
        Query(ge=0, le=SQL_INT_MAX, description="Tree size (default: the latest checkpoint)"),
    ] = None,
) -> InclusionOut:
    if (index is None) == (event_id is None):
        raise bad_query(
            "index", "Give exactly one of index or event_id", "Isi tepat satu: index atau event_id"
        )
    with corrupt_as_problem():
        async with runtime.engine.connect() as conn:
            tree_size, root, note = await _size(runtime, conn, size, "index")
            if event_id is not None:
                found = await ledger.entry_by_event_id(conn, event_id)
                if found is None:
                    raise bad_query(
                        "event_id",
                        f"No ledger entry for event {event_id!r}",
                        f"Tidak ada entri ledger untuk event {event_id!r}",
                        status=404,
                    )
                index = found.index
            assert index is not None
            if index >= tree_size:
                raise bad_query(
                    "index",
                    f"Index {index} is not below the tree size {tree_size}",
                    f"Indeks {index} tidak lebih kecil dari ukuran pohon {tree_size}",
                )
            found, proof = await ledger.entry_and_inclusion_proof(conn, index, tree_size)
            if found is None:
                raise ledger.LedgerCorrupt(f"entry {index} is missing from storage")
    entry = entry_out(found)
    return InclusionOut(
        index=index,
        tree_size=tree_size,
        leaf_hash=entry.leaf_hash,
        proof=[b64(h) for h in proof],
        root=b64(root),
        checkpoint=note,
        entry=entry,
    )


@router.get(
    "/proofs/consistency",
    response_model=ConsistencyOut,
    summary="Consistency proof between two tree sizes",
)
async def consistency_proof(
    runtime: RuntimeDep,
    _p: Reader,
    first: Annotated[int, Query(ge=0, le=SQL_INT_MAX, description="The older tree size")],
    second: Annotated[
        int | None, Query(ge=0, le=SQL_INT_MAX, description="The newer tree size (default: latest)")
    ] = None,
) -> ConsistencyOut:
    with corrupt_as_problem():
        async with runtime.engine.connect() as conn:
            size2, root2, _ = await _size(runtime, conn, second, "second", "second")
            if not 1 <= first <= size2:
                raise bad_query(
                    "first",
                    f"The older size must be 1..{size2}",
                    f"Ukuran lama harus 1..{size2}",
                )
            root1, proof = await ledger.old_root_and_consistency_proof(conn, first, size2)
    return ConsistencyOut(
        first=first,
        second=size2,
        first_root=b64(root1),
        second_root=b64(root2),
        proof=[b64(h) for h in proof],
    )


@router.get("/checkpoints", response_model=CheckpointPage, summary="Every signed checkpoint")
async def list_checkpoints(
    runtime: RuntimeDep,
    _p: Reader,
    after: Annotated[int, Query(ge=-1, le=SQL_INT_MAX, description="Last size already seen")] = -1,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> CheckpointPage:
    async with runtime.engine.connect() as conn:
        rows = await ledger.checkpoints(conn, after=after, limit=limit)
    items = [CheckpointOut(size=c.size, root=b64(c.root), note=c.note) for c in rows]
    return CheckpointPage(items=items, next_after=items[-1].size if len(items) == limit else None)


@router.get("/key", response_model=KeyOut, summary="The checkpoint verifier key")
async def verifier_key(_p: Reader, keys: KeysDep) -> KeyOut:
    return KeyOut(origin=keys.origin, vkey=keys.verifier.encode())


@router.get(
    "/verify",
    response_model=VerificationOut,
    summary="Self-check: recompute the tree from every stored entry; compare hashes, root "
    "and signed checkpoints",
)
async def verify_ledger(runtime: RuntimeDep, _p: Reader, keys: KeysDep) -> VerificationOut:
    async with runtime.engine.connect() as conn:
        v = await ledger.verify(conn, keys)
    return VerificationOut(
        size=v.size,
        root=v.root,
        checkpoints=v.checkpoints,
        consistent=v.consistent,
        first_bad_index=v.first_bad_index,
        problems=v.problems,
    )


@router.get(
    "/pseudonyms/{nip}",
    response_model=PseudonymOut,
    summary="The pseudonym the ledger uses for a NIP (auditor)",
)
async def pseudonym_of(
    runtime: RuntimeDep,
    _p: PersonReader,
    keys: KeysDep,
    nip: Annotated[str, Path(description="NIP or NI PPPK, 18 digits")],
) -> PseudonymOut:
    if not NIP.match(nip):
        raise _bad_nip("path")
    pseudonym = keys.pseudonymiser.nip(nip)
    async with runtime.engine.connect() as conn:
        count = await ledger.mention_count(conn, pseudonym)
    return PseudonymOut(pseudonym=pseudonym, entries=count)


class SourceOut(BaseModel):
    source: str = Field(description="Producer (CloudEvents source)")
    contiguous: int = Field(description="Every event up to this sequence is in the ledger")
    max_seen: int = Field(description="Highest sequence seen from this producer")
    missing: int = Field(description="Sequences below max_seen that the ledger lacks")
    missing_ranges: list[tuple[int, int]] = Field(description="First 50 gaps, inclusive")
    complete: bool


class CompletenessOut(BaseModel):
    complete: bool = Field(description="False is an alarm: events were lost on the way")
    sources: list[SourceOut]


@router.get(
    "/completeness",
    response_model=CompletenessOut,
    summary="Completeness: per-producer sequence gaps (nothing lost?)",
)
async def completeness(runtime: RuntimeDep, _p: Reader) -> CompletenessOut:
    statuses = await completeness_status(runtime)
    sources = [
        SourceOut(
            source=s.source,
            contiguous=s.contiguous,
            max_seen=s.max_seen,
            missing=s.missing,
            missing_ranges=s.missing_ranges,
            complete=s.complete,
        )
        for s in statuses
    ]
    return CompletenessOut(complete=all(s.complete for s in sources), sources=sources)
