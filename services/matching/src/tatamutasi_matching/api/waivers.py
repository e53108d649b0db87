"""Waivers of failed `block` eligibility rules: recorded by the PPK or admin with a reason."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from tatamutasi_matching.service import waivers
from tatamutasi_platform.auth import Principal
from tatamutasi_platform.http import RuntimeDep, idempotent, require_roles
from tatamutasi_platform.runtime import Transaction

router = APIRouter(prefix="/waivers", tags=["waivers"])


@router.post("", status_code=201, summary="Waive a failed block rule (reason; you approve)")
async def create_waiver(
    body: waivers.WaiverIn,
    request: Request,
    runtime: RuntimeDep,
    principal: Annotated[Principal, Depends(require_roles("ppk", "admin"))],
) -> Response:
    async def work(tx: Transaction) -> Response:
        row = await waivers.record(tx, body)
        return JSONResponse(
            row, status_code=201, headers={"Location": f"/waivers/{row['waiver_id']}"}
        )

    return await idempotent(request, runtime, principal, work)


@router.get("", summary="Recorded waivers, oldest first")
async def list_waivers(
    runtime: RuntimeDep,
    _p: Annotated[Principal, Depends(require_roles("admin", "ppk", "penilai", "auditor"))],
    nip: Annotated[str | None, Query(max_length=18)] = None,
) -> dict[str, Any]:
    async with runtime.engine.connect() as conn:
        return {"waivers": await waivers.list_rows(conn, nip)}
