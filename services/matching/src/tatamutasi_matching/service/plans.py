"""Plan use cases: queue a plan, compute it in the background from the read models, keep its
canonical result and emit `mutasi.plan_computed` with the hashes that make it reproducible."""

import hashlib
import json
import uuid
from dataclasses import replace
from datetime import date
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.concurrency import run_in_threadpool

from tatamutasi_contracts.mutasi import MutasiPlanComputed, Solver
from tatamutasi_matching.adapters.orm import formasi_need, plan
from tatamutasi_matching.domain.eligibility import (
    BlackoutWindow,
    EligibilityConfig,
    EligibilityError,
    MendagriApproval,
    Waiver,
)
from tatamutasi_matching.domain.instance import InstanceError
from tatamutasi_matching.domain.optimiser import canonical_json, dump_result
from tatamutasi_matching.domain.planning import PlanningError, RoundConfig, prepare
from tatamutasi_matching.domain.planning import plan as plan_round
from tatamutasi_matching.domain.scoring import ScoringConfig
from tatamutasi_matching.service import talent, waivers
from tatamutasi_platform.clock import utcnow
from tatamutasi_platform.errors import Invalid
from tatamutasi_platform.outbox import Actor
from tatamutasi_platform.runtime import Runtime


class BlackoutIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    start: date
    end: date
    kind: Literal["pre_election", "post_inauguration"]


class ApprovalIn(BaseModel):
    reference: str = Field(min_length=1, max_length=200)
    window: str = Field(min_length=1, max_length=100)
    nips: list[str] = Field(max_length=10000)


class PlanRequest(BaseModel):
    mode: Literal["optimal", "stable"] = "optimal"
    effective: date
    scenario: str | None = Field(default=None, max_length=200)
    locked_employees: list[str] = Field(default_factory=list, max_length=100000)
    locked_posts: list[str] = Field(default_factory=list, max_length=100000)
    priority_posts: list[str] = Field(default_factory=list, max_length=100000)
    max_moves: int | None = Field(default=None, ge=0)
    weights: dict[str, float] | None = None
    bup_horizon_months: int = Field(default=12, ge=0, le=120)
    blackout_windows: list[BlackoutIn] = Field(default_factory=list, max_length=50)
    mendagri_approvals: list[ApprovalIn] = Field(default_factory=list, max_length=1000)

    def round_config(self) -> RoundConfig:
        try:
            scoring = ScoringConfig(weights=self.weights) if self.weights else ScoringConfig()
            eligibility = EligibilityConfig(
                bup_horizon_months=self.bup_horizon_months,
                blackout_windows=tuple(
                    BlackoutWindow(w.name, w.start, w.end, w.kind) for w in self.blackout_windows
                ),
                mendagri_approvals=tuple(
                    MendagriApproval(a.reference, a.window, frozenset(a.nips))
                    for a in self.mendagri_approvals
                ),
            )
        except EligibilityError as exc:
            raise Invalid(exc.message_en, exc.message_id, field=exc.field) from exc
        except ValueError as exc:
            raise Invalid(str(exc), f"bobot tidak sah: {exc}", field="weights") from exc
        return RoundConfig(
            effective=self.effective,
            eligibility=eligibility,
            scoring=scoring,
            locked_employees=tuple(self.locked_employees),
            locked_posts=tuple(self.locked_posts),
            priority_posts=tuple(self.priority_posts),
            max_moves=self.max_moves,
        )


async def _check_references(conn: AsyncConnection, request: PlanRequest) -> None:
    """Locked and priority entries must name employees and posts the read models know."""
    if not (request.locked_employees or request.locked_posts or request.priority_posts):
        return
    snap = await talent.snapshot(conn)
    nips = {e.nip for e in snap.employees}
    posts = {e.current_post_id for e in snap.employees}
    posts |= {
        talent.post_id(r.unit_id, r.jabatan_id)
        for r in await conn.execute(sa.select(formasi_need.c.unit_id, formasi_need.c.jabatan_id))
    }
    for k, nip in enumerate(request.locked_employees):
        if nip not in nips:
            raise Invalid(
                f"unknown employee {nip!r}",
                f"pegawai {nip!r} tidak dikenal",
                field=f"locked_employees[{k}]",
            )
    for name in ("locked_posts", "priority_posts"):
        for k, pid in enumerate(getattr(request, name)):
            if pid not in posts:
                raise Invalid(
                    f"unknown post {pid!r}: neither held nor in the formasi",
                    f"jabatan {pid!r} tidak dikenal: tidak dipangku dan tidak ada di formasi",
                    field=f"{name}[{k}]",
                )


async def queue(conn: AsyncConnection, request: PlanRequest, actor: Actor) -> str:
    request.round_config()  # validate before accepting the job
    await _check_references(conn, request)
    plan_id = str(uuid.uuid4())
    await conn.execute(
        plan.insert().values(
            plan_id=plan_id,
            status="queued",
            progress=0,
            mode=request.mode,
            scenario=request.scenario,
            request=request.model_dump_json(),
            created_by=actor.id,
            created_at=utcnow().isoformat(),
        )
    )
    return plan_id


async def _set(runtime: Runtime, plan_id: str, **values: Any) -> None:
    async with runtime.engine.begin() as conn:
        await conn.execute(sa.update(plan).where(plan.c.plan_id == plan_id).values(**values))


def _compute(
    request: PlanRequest, employees: Any, posts: Any, waived: tuple[Waiver, ...]
) -> tuple[dict[str, Any], bytes]:
    prepared = prepare(employees, posts, replace(request.round_config(), waivers=waived))
    result = plan_round(prepared, request.mode)
    return result, dump_result(result)


async def run(runtime: Runtime, plan_id: str, actor: Actor) -> None:
    """Compute a queued plan (claimed atomically, so a repeated trigger does nothing)."""
    async with runtime.engine.begin() as conn:
        claimed = await conn.execute(
            sa.update(plan)
            .where(plan.c.plan_id == plan_id, plan.c.status == "queued")
            .values(status="running", progress=10)
        )
        if claimed.rowcount != 1:
            return
        req = (await conn.execute(sa.select(plan.c.request).where(plan.c.plan_id == plan_id))).one()
    request = PlanRequest.model_validate_json(req[0])
    try:
        async with runtime.engine.connect() as conn:
            employees = await talent.load_employees(conn)
            posts = await talent.load_posts(conn, employees)
            waived = await waivers.load(conn)
        await _set(runtime, plan_id, progress=30)
        result, data = await run_in_threadpool(_compute, request, employees, posts, waived)
    except (InstanceError, PlanningError) as exc:
        error = {"field": exc.field, "en": exc.message_en, "id": exc.message_id}
        await _set(runtime, plan_id, status="failed", progress=100, error=json.dumps(error))
        return
    except Exception:
        failure = {"field": None, "en": "the plan could not be computed (server error)",
                   "id": "rencana tidak dapat dihitung (kesalahan server)"}  # fmt: skip
        await _set(runtime, plan_id, status="failed", progress=100, error=json.dumps(failure))
        raise
    config_sha = hashlib.sha256(canonical_json(json.loads(req[0]))).hexdigest()
    result_sha = hashlib.sha256(data).hexdigest()
    prov = result["provenance"]
    meta = prov["meta"]
    versions = {k: str(v) for k, v in meta["rules"].items()}
    versions["ninebox"] = meta["ninebox"]["version"]
    versions["scoring"] = meta["scoring"]["version"]
    versions["optimiser"] = prov["optimiser"]
    async with runtime.transaction(actor) as tx:
        await tx.conn.execute(
            sa.update(plan)
            .where(plan.c.plan_id == plan_id)
            .values(
                status="done",
                progress=100,
                input_sha256=prov["input_sha256"],
                config_sha256=config_sha,
                result_sha256=result_sha,
                objective=result["objective"],
                moves=result["moves_count"],
                result=data.decode(),
            )
        )
        await tx.emit(
            MutasiPlanComputed(
                plan_id=plan_id,
                mode=result["mode"],
                status=result["status"],
                input_sha256=prov["input_sha256"],
                config_sha256=config_sha,
                result_sha256=result_sha,
                ruleset_version=meta["rules"]["ruleset"],
                formula_versions=versions,
                solver=Solver(**prov["solver"]),
                objective=result["objective"],
                baseline_objective=result["baseline_objective"],
                employees=result["employees"],
                moves=result["moves_count"],
                unmet_constraints=len(result["unmet"]),
                scenario=request.scenario,
            ),
            subject=plan_id,
            key=plan_id,
        )


async def get(conn: AsyncConnection, plan_id: str) -> Any:
    return (await conn.execute(sa.select(plan).where(plan.c.plan_id == plan_id))).first()


async def list_rows(
    conn: AsyncConnection,
    *,
    status: str | None = None,
    mode: str | None = None,
    scenario: str | None = None,
    after: tuple[str, str] | None = None,
    limit: int = 50,
) -> list[Any]:
    """Plans oldest first (keyset on created_at, plan_id), without their results."""
    cols = [c for c in plan.c if c.name != "result"]
    q = sa.select(*cols).order_by(plan.c.created_at, plan.c.plan_id).limit(limit)
    if status is not None:
        q = q.where(plan.c.status == status)
    if mode is not None:
        q = q.where(plan.c.mode == mode)
    if scenario is not None:
        q = q.where(plan.c.scenario == scenario)
    if after is not None:
        q = q.where(
            sa.or_(
                plan.c.created_at > after[0],
                sa.and_(plan.c.created_at == after[0], plan.c.plan_id > after[1]),
            )
        )
    return list(await conn.execute(q))
