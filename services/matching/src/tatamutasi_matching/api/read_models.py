from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from tatamutasi_matching.service import read_models
from tatamutasi_platform.auth import Principal
from tatamutasi_platform.http import RuntimeDep, require_roles

router = APIRouter(prefix="/read-models", tags=["read models"])


class SummaryOut(BaseModel):
    employees: int
    units: int
    last_event_time: str | None


@router.get(
    "/workforce",
    response_model=SummaryOut,
    summary="How much of the workforce the planner currently sees",
)
async def workforce_summary(
    runtime: RuntimeDep,
    _p: Annotated[Principal, Depends(require_roles("admin", "auditor", "integration"))],
) -> SummaryOut:
    async with runtime.engine.connect() as conn:
        s = await read_models.summary(conn)
    return SummaryOut(employees=s.employees, units=s.units, last_event_time=s.last_event_time)
