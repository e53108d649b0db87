"""C2SP tlog-tiles read API: `/checkpoint`, `/tile/<L>/<N>[.p/<W>]`,
`/tile/entries/<N>[.p/<W>]`. Any tlog-tiles client can fetch and verify the log with these
(plus the bearer token of a reader role)."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from tatamutasi_audit.api.deps import Reader
from tatamutasi_audit.ledger.tiles import (
    TilePathError,
    parse_index_and_width,
    parse_level,
    tile_for_request,
)
from tatamutasi_audit.service import ledger
from tatamutasi_platform.http import RuntimeDep
from tatamutasi_platform.problems import Problem
from tatamutasi_platform.responses import problem_responses

router = APIRouter(tags=["tlog-tiles"], responses=problem_responses(400, 404))

IMMUTABLE = "private, max-age=31536000, immutable"
OCTETS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {}}, "description": "Tile bytes"}
}


def _bad_path(exc: Exception) -> Problem:
    return Problem(
        400,
        "invalid-tile-path",
        "Bad Request",
        f"Malformed tile path: {exc}",
        f"Jalur tile tidak valid: {exc}",
    )


def _no_tile(path: str, size: int) -> Problem:
    return Problem(
        404,
        "tile-not-found",
        "Not Found",
        f"The log of size {size} has no tile {path}",
        f"Log berukuran {size} tidak memiliki tile {path}",
        extra={"tree_size": size},
    )


@router.get(
    "/checkpoint",
    summary="The latest signed checkpoint (C2SP tlog-checkpoint signed note)",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Signed note"}},
)
async def get_checkpoint(runtime: RuntimeDep, _p: Reader) -> Response:
    head = await ledger.current_head(runtime)
    if head.note is None:
        raise Problem(
            404,
            "no-checkpoint",
            "Not Found",
            "The log has not published a checkpoint yet",
            "Log belum menerbitkan checkpoint",
        )
    return Response(
        head.note, media_type="text/plain; charset=utf-8", headers={"Cache-Control": "no-cache"}
    )


async def _serve(runtime: RuntimeDep, level: int, path: str) -> Response:
    try:
        index, width = parse_index_and_width(path.split("/"))
    except TilePathError as exc:
        raise _bad_path(exc) from None
    async with runtime.engine.connect() as conn:
        size = (await ledger.head(conn)).size
        ref = tile_for_request(level, index, width, size)
        if ref is None:
            raise _no_tile(path, size)
        try:
            if level < 0:
                data = await ledger.entry_bundle(conn, ref)
            else:
                data = await ledger.hash_tile(conn, ref)
        except ledger.LedgerCorrupt as exc:
            raise Problem(
                500,
                "ledger-corrupt",
                "Internal Server Error",
                f"The stored ledger is damaged: {exc}",
                f"Ledger yang tersimpan rusak: {exc}",
            ) from None
    return Response(
        data, media_type="application/octet-stream", headers={"Cache-Control": IMMUTABLE}
    )


@router.get(
    "/tile/entries/{path:path}",
    summary="An entry bundle: uint16-length-prefixed entries [256·N, 256·N+W)",
    response_class=Response,
    responses=OCTETS,
)
async def get_entry_bundle(runtime: RuntimeDep, _p: Reader, path: str) -> Response:
    return await _serve(runtime, -1, path)


@router.get(
    "/tile/{level}/{path:path}",
    summary="A hash tile: hashes of tree level 8·L, nodes [256·N, 256·N+W)",
    response_class=Response,
    responses=OCTETS,
)
async def get_hash_tile(runtime: RuntimeDep, _p: Reader, level: str, path: str) -> Response:
    try:
        lv = parse_level(level)
    except TilePathError as exc:
        raise _bad_path(exc) from None
    return await _serve(runtime, lv, path)
