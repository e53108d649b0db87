from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from tatamutasi_formasi.service import bezetting
from tatamutasi_platform.auth import Principal
from tatamutasi_platform.http import RuntimeDep, require_roles

router = APIRouter(prefix="/bezetting", tags=["bezetting"])


class FilledOut(BaseModel):
    unor_id: str
    jabatan_id: str
    filled: int


@router.get(
    "",
    response_model=list[FilledOut],
    summary="Who holds what: headcount per unit and jabatan, derived from placements",
)
async def get_bezetting(
    runtime: RuntimeDep,
    _p: Annotated[
        Principal,
        Depends(require_roles("admin", "operator", "penilai", "ppk", "auditor", "integration")),
    ],
    unor_id: Annotated[str | None, Query(max_length=64)] = None,
) -> list[FilledOut]:
    async with runtime.engine.connect() as conn:
        rows = await bezetting.filled(conn, unor_id)
    return [FilledOut(unor_id=r.unor_id, jabatan_id=r.jabatan_id, filled=r.filled) for r in rows]
