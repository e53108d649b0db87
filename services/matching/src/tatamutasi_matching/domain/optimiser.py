"""Whole-Pemda assignment: optimal (min-cost flow / MILP) and stable (deferred acceptance).

`solve(raw_instance, mode)` validates the instance (`instance.py`), solves it and returns the
plan result as plain JSON-ready data; `dump_result` gives its canonical bytes (same input →
byte-identical output).

- **optimal**: maximise the total score. Every employee is assigned exactly once (stay is
  always possible), posts hold at most their seats, so chains and swaps of moves appear
  whenever they raise the total. Solved as a min-cost flow with OR-Tools
  `SimpleMinCostFlow`; priority posts get a lexicographic bonus per filled seat, so the plan
  fills as many of their seats as possible before it maximises the score. With `max_moves`
  the problem is no longer a network: it is solved as a MILP with SciPy/HiGHS
  (`mip_rel_gap = 0`, two phases when priority posts exist).
- **stable**: employee-proposing deferred acceptance (as in French teacher mobility) over the
  employees' stated preferences; each post ranks candidates by score and its own holders
  first, so nobody ends worse than staying by their own ranking (individual rationality).
"""

import gc
import hashlib
import heapq
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Literal

import numpy as np
import scipy
from ortools.graph.python import min_cost_flow
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from tatamutasi_matching.domain.instance import (
    Instance,
    InstanceError,
    canonical_json,
    instance_sha256,
    parse_instance,
)
from tatamutasi_matching.domain.model import UNKNOWN_POST_REASON

__all__ = [
    "OPTIMISER_VERSION",
    "RESULT_FORMAT",
    "DetailProvider",
    "SolverError",
    "canonical_json",
    "dump_result",
    "fairness",
    "input_hash",
    "result_hash",
    "solve",
    "solve_instance",
]

DetailProvider = Callable[[int, int], Any]
"""`detail(e, p)`: the explanation detail of employee e at post p (p = current: staying)."""

OPTIMISER_VERSION = "optimiser/1"
RESULT_FORMAT = "tatamutasi.plan-result/v1"
Mode = Literal["optimal", "stable"]

try:  # the version string of the OR-Tools wheel
    from ortools import __version__ as ORTOOLS_VERSION
except ImportError:  # pragma: no cover
    ORTOOLS_VERSION = "unknown"


class SolverError(RuntimeError):
    """The solver failed on a valid instance (never expected; reported, not hidden)."""


def input_hash(raw: Any) -> str:
    return hashlib.sha256(canonical_json(raw)).hexdigest()


def _allowed_pairs(inst: Instance) -> np.ndarray:
    """Indices of pairs the options allow (movable employee, unlocked target)."""
    pe, pp = inst.pair_employee, inst.pair_post
    ok = np.ones(len(pe), dtype=bool)
    if inst.locked_employees:
        ok &= ~np.isin(pe, np.fromiter(inst.locked_employees, dtype=np.int64))
    if inst.locked_posts and len(pe):
        locked = np.fromiter(inst.locked_posts, dtype=np.int64)
        cur = np.asarray(inst.current, dtype=np.int64)
        ok &= ~np.isin(pp, locked)
        ok &= ~np.isin(cur[pe], locked)
    return np.nonzero(ok)[0]


def _solve_flow(inst: Instance) -> list[int]:
    """Min-cost flow: source → employee → (stay | eligible post) → sink."""
    n, m = len(inst.employees), len(inst.posts)
    allowed = _allowed_pairs(inst)
    if len(allowed) == len(inst.pair_employee):
        pe, pp, ps = inst.pair_employee, inst.pair_post, inst.pair_score
    else:
        pe, pp, ps = inst.pair_employee[allowed], inst.pair_post[allowed], inst.pair_score[allowed]
    source, sink = 0, 1 + n + m
    big = inst.score_max * max(n, 1) + 1
    eff = inst.effective_capacity()
    emp = np.arange(n, dtype=np.int64)
    tails = [np.zeros(n, np.int64), 1 + emp, 1 + pe]
    heads = [1 + emp, 1 + n + np.asarray(inst.current, np.int64), 1 + n + pp]
    caps = [np.ones(n, np.int64), np.ones(n, np.int64), np.ones(len(pe), np.int64)]
    costs = [np.zeros(n, np.int64), -np.asarray(inst.stay_score, np.int64), -ps]
    pt: list[int] = []
    ph: list[int] = []
    pc: list[int] = []
    pk: list[int] = []
    for p in range(m):
        bonus = min(inst.capacity[p], eff[p]) if p in inst.priority_posts else 0
        for seats, cost in ((bonus, -big), (eff[p] - bonus, 0)):
            if seats:  # priority seats first, at a lexicographic bonus
                pt.append(1 + n + p)
                ph.append(sink)
                pc.append(seats)
                pk.append(cost)
    tails.append(np.asarray(pt, np.int64))
    heads.append(np.asarray(ph, np.int64))
    caps.append(np.asarray(pc, np.int64))
    costs.append(np.asarray(pk, np.int64))
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails), np.concatenate(heads), np.concatenate(caps), np.concatenate(costs)
    )
    supplies = np.zeros(sink + 1, np.int64)
    supplies[source], supplies[sink] = n, -n
    smcf.set_nodes_supplies(np.arange(sink + 1, dtype=np.int64), supplies)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        raise SolverError(f"min-cost flow ended with status {status}")
    stay_flow = smcf.flows(np.arange(n, 2 * n, dtype=np.int64))
    pair_flow = smcf.flows(np.arange(2 * n, 2 * n + len(pe), dtype=np.int64))
    assignment = list(inst.current)
    for e, p in zip(pe[pair_flow > 0].tolist(), pp[pair_flow > 0].tolist(), strict=True):
        assignment[e] = p
    if int(stay_flow.sum()) + int(pair_flow.sum()) != n:
        raise SolverError("min-cost flow left an employee unassigned")
    return assignment


def _solve_milp(inst: Instance) -> list[int]:
    """Exact MILP (HiGHS) for the move cap, which breaks the network structure."""
    n, m = len(inst.employees), len(inst.posts)
    allowed = _allowed_pairs(inst)
    pe, pp = inst.pair_employee[allowed], inst.pair_post[allowed]
    ps = inst.pair_score[allowed].astype(np.float64)
    k = len(pe)
    prio = sorted(inst.priority_posts)
    nv = n + k + len(prio)
    var_emp = np.concatenate([np.arange(n), pe])
    var_post = np.concatenate([np.asarray(inst.current, np.int64), pp])
    cols = np.arange(n + k)
    ones = np.ones(n + k)
    a_emp = sparse.csr_matrix((ones, (var_emp, cols)), shape=(n, nv))
    a_post = sparse.csr_matrix((ones, (var_post, cols)), shape=(m, nv))
    a_moves = sparse.csr_matrix(
        (np.ones(k), (np.zeros(k, np.int64), np.arange(n, n + k))), shape=(1, nv)
    )
    eff = np.asarray(inst.effective_capacity(), np.float64)
    constraints = [
        LinearConstraint(a_emp, 1, 1),
        LinearConstraint(a_post, -np.inf, eff),
        LinearConstraint(a_moves, -np.inf, inst.max_moves),
    ]
    upper = np.ones(nv)
    if prio:
        rows: list[int] = []
        cs: list[int] = []
        vals: list[float] = []
        for r, p in enumerate(prio):  # y_p - sum_e x_ep <= 0
            members = [n + k + r, *np.nonzero(var_post == p)[0].tolist()]
            rows += [r] * len(members)
            cs += members
            vals += [1.0] + [-1.0] * (len(members) - 1)
        a_prio = sparse.csr_matrix((vals, (rows, cs)), shape=(len(prio), nv))
        constraints.append(LinearConstraint(a_prio, -np.inf, 0))
        upper[n + k :] = [min(inst.capacity[p], eff[p]) for p in prio]
    bounds = Bounds(np.zeros(nv), upper)
    integrality = np.ones(nv)
    options = {"mip_rel_gap": 0.0, "presolve": True, "disp": False}
    if prio:
        c1 = np.zeros(nv)
        c1[n + k :] = -1.0
        first = milp(
            c1, constraints=constraints, integrality=integrality, bounds=bounds, options=options
        )
        if not first.success:
            raise SolverError(f"MILP phase 1 failed: {first.message}")
        filled = round(-first.fun)
        fix = np.zeros((1, nv))
        fix[0, n + k :] = 1.0
        constraints.append(LinearConstraint(sparse.csr_matrix(fix), filled, np.inf))
    c2 = np.zeros(nv)
    c2[:n] = -np.asarray(inst.stay_score, np.float64)
    c2[n : n + k] = -ps
    res = milp(c2, constraints=constraints, integrality=integrality, bounds=bounds, options=options)
    if not res.success:
        raise SolverError(f"MILP failed: {res.message}")
    x = np.round(res.x[: n + k]).astype(np.int64)
    assignment = list(inst.current)
    for c in np.nonzero(x[n:])[0].tolist():
        assignment[int(pe[c])] = int(pp[c])
    return assignment


def _score(inst: Instance, e: int, p: int) -> int:
    s = inst.score(e, p)
    if s is None:  # pragma: no cover - callers only ask for eligible pairs
        raise SolverError(f"pair ({inst.employees[e]}, {inst.posts[p]}) is not eligible")
    return s


def _solve_stable(inst: Instance) -> list[int]:
    """Employee-proposing deferred acceptance with incumbents first at their own post."""
    n = len(inst.employees)
    eff = inst.effective_capacity()
    prefs: list[list[int]] = []
    for e in range(n):
        listed = []
        if inst.movable(e):
            stated = list(inst.preferences[e])
            if inst.current[e] in stated:  # posts ranked below staying are never proposed to
                stated = stated[: stated.index(inst.current[e])]
            listed = [
                p for p in stated if p not in inst.locked_posts and inst.pair_index(e, p) >= 0
            ]
        prefs.append([*listed, inst.current[e]])

    def priority(e: int, p: int) -> tuple[int, int, int]:
        incumbent = int(inst.current[e] == p)
        return (incumbent, _score(inst, e, p), -e)

    held: list[list[tuple[tuple[int, int, int], int]]] = [[] for _ in inst.posts]
    nxt = [0] * n
    free = list(range(n - 1, -1, -1))
    while free:
        e = free.pop()
        p = prefs[e][nxt[e]]
        nxt[e] += 1
        heapq.heappush(held[p], (priority(e, p), e))
        if len(held[p]) > eff[p]:
            _, out = heapq.heappop(held[p])
            free.append(out)
    assignment = [0] * n
    for p, h in enumerate(held):
        for _, e in h:
            assignment[e] = p
    return assignment


def _rank(inst: Instance, e: int, p: int) -> int:
    """Position of post p in e's own ranking: stated preferences, then the current post;
    anything else ranks below staying."""
    prefs = inst.preferences[e]
    if p == inst.current[e]:
        return prefs.index(p) if p in prefs else len(prefs)
    return prefs.index(p) if p in prefs else len(prefs) + 1


def fairness(
    inst: Instance, assignment: list[int], assigned: list[int] | None = None
) -> dict[str, Any]:
    """Justified envy, moves against stated preference and the distribution of moves;
    `assigned`: each employee's score at their post (`Instance.assigned_scores`)."""
    own = assigned if assigned is not None else inst.assigned_scores(assignment)
    n = len(inst.employees)
    eff = inst.effective_capacity()
    occupants: list[list[int]] = [[] for _ in inst.posts]
    for e, p in enumerate(assignment):
        occupants[p].append(e)

    def prio(e: int, p: int) -> tuple[int, int]:
        s = own[e] if assignment[e] == p else _score(inst, e, p)
        return (int(inst.current[e] == p), s)

    weakest: list[tuple[int, int] | None] = [
        min((prio(o, p) for o in occ), default=None) if len(occ) >= eff[p] else None
        for p, occ in enumerate(occupants)
    ]
    envy: list[dict[str, Any]] = []
    envy_count = 0
    against: list[str] = []
    unstated = 0
    for e in range(n):
        a = assignment[e]
        moved = a != inst.current[e]
        if moved and not inst.has_preferences[e]:
            unstated += 1
        if not inst.has_preferences[e]:
            continue
        mine = _rank(inst, e, a)
        if moved and mine > _rank(inst, e, inst.current[e]):
            against.append(inst.employees[e])
        if not inst.movable(e):
            continue
        for p in inst.preferences[e]:
            if _rank(inst, e, p) >= mine:
                break
            if p == a or p in inst.locked_posts or inst.pair_index(e, p) < 0:
                continue
            w = weakest[p]
            if w is None or prio(e, p) > w:
                envy_count += 1
                if len(envy) < 100:
                    envy.append({"employee": inst.employees[e], "post": inst.posts[p]})
    distribution: dict[str, dict[str, dict[str, int]]] = {}
    for key in ("opd", "golongan", "sex", "age_band"):
        groups: dict[str, dict[str, int]] = {}
        for e in range(n):
            value = inst.employee_attrs[e].get(key, "unknown")
            g = groups.setdefault(value, {"employees": 0, "moves": 0})
            g["employees"] += 1
            g["moves"] += int(assignment[e] != inst.current[e])
        distribution[key] = dict(sorted(groups.items()))
    return {
        "justified_envy": {"count": envy_count, "pairs": envy},
        "moves_against_stated_preference": {"count": len(against), "employees": against[:100]},
        "moves_without_stated_preference": unstated,
        "distribution": distribution,
    }


def _unmet(inst: Instance, assignment: list[int], mode: Mode) -> list[dict[str, Any]]:
    unmet: list[dict[str, Any]] = []
    occupancy = [0] * len(inst.posts)
    for p in assignment:
        occupancy[p] += 1
    moves = sum(1 for e, p in enumerate(assignment) if p != inst.current[e])
    candidates: dict[int, set[int]] = {p: set() for p in inst.priority_posts}
    if candidates and len(inst.pair_employee):
        hit = np.isin(inst.pair_post, np.fromiter(candidates, dtype=np.int64))
        for e, p in zip(
            inst.pair_employee[hit].tolist(), inst.pair_post[hit].tolist(), strict=True
        ):
            if inst.movable(e):
                candidates[p].add(e)
    for p in sorted(inst.priority_posts):
        seats = inst.capacity[p]
        if occupancy[p] >= seats:
            continue
        holders = inst.incumbents[p]
        eligible = len(candidates[p])
        if p in inst.locked_posts:
            en, id_ = "the post is also locked", "jabatan juga dikunci"
        elif p in inst.closed_posts:
            en, id_ = UNKNOWN_POST_REASON["en"], UNKNOWN_POST_REASON["id"]
        elif holders + eligible < seats:
            en = (
                f"only {holders} holder(s) and {eligible} eligible candidate(s) for {seats} seat(s)"
            )
            id_ = (
                f"hanya {holders} pemangku dan {eligible} calon memenuhi syarat untuk {seats} kursi"
            )
        elif mode == "stable":
            en = "stable mode does not force moves: not enough candidates asked for this post"
            id_ = "mode stabil tidak memaksa mutasi: peminat jabatan ini kurang"
        else:
            taken = sorted(
                {
                    inst.posts[assignment[e]]
                    for e in candidates[p]
                    if assignment[e] != inst.current[e]
                }
            )
            en = (
                "the eligible candidates are needed elsewhere"
                + (f" (priority or better-fitting posts: {', '.join(taken[:5])})" if taken else "")
                + (
                    f"; the move cap of {inst.max_moves} binds"
                    if inst.max_moves is not None and moves >= inst.max_moves
                    else ""
                )
            )
            id_ = "calon yang memenuhi syarat dibutuhkan di jabatan lain" + (
                f"; batas {inst.max_moves} mutasi tercapai"
                if inst.max_moves is not None and moves >= inst.max_moves
                else ""
            )
        unmet.append(
            {
                "constraint": "priority_post",
                "post": inst.posts[p],
                "seats": seats,
                "filled": occupancy[p],
                "reason": {"en": en, "id": id_},
            }
        )
    if inst.max_moves is not None and moves > inst.max_moves:
        unmet.append(
            {
                "constraint": "max_moves",
                "limit": inst.max_moves,
                "moves": moves,
                "reason": {
                    "en": "stable mode follows stated preferences and does not cap moves",
                    "id": "mode stabil mengikuti aspirasi dan tidak membatasi jumlah mutasi",
                },
            }
        )
    return unmet


def solve(raw: Any, mode: Mode = "optimal") -> dict[str, Any]:
    """Validate and solve an instance given as JSON data; the result is deterministic plain
    data whose `input_sha256` is the SHA-256 of the canonical JSON of `raw`."""
    _check_mode(mode)
    digest = input_hash(raw)
    return solve_instance(parse_instance(raw), mode, input_sha256=digest)


def _check_mode(mode: str) -> None:
    if mode not in ("optimal", "stable"):
        raise InstanceError(
            "mode must be optimal or stable", "mode harus optimal atau stable", field="mode"
        )


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a result is built: it is hundreds of
    thousands of small acyclic dicts and lists (the explanations), which the collector would
    otherwise rescan again and again as they grow, for nothing (a third of the time at 30k
    employees). Reference counting still frees everything; the collector is re-enabled
    afterwards if it was on (a concurrent plan leaves it as it found it)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def solve_instance(
    inst: Instance,
    mode: Mode = "optimal",
    *,
    input_sha256: str | None = None,
    detail: DetailProvider | None = None,
) -> dict[str, Any]:
    """Solve an indexed instance (from `parse_instance` or `instance.from_arrays`).

    `input_sha256` defaults to the streamed hash of the instance's canonical JSON;
    `detail(e, p)` adds the score breakdown and rule outcomes to explanations."""
    _check_mode(mode)
    with _gc_paused():
        return _solve_instance(inst, mode, input_sha256, detail)


def _solve_instance(
    inst: Instance, mode: Mode, input_sha256: str | None, detail: DetailProvider | None
) -> dict[str, Any]:
    digest = input_sha256 or instance_sha256(inst)
    if mode == "stable":
        assignment = _solve_stable(inst)
        solver = {"name": "deferred-acceptance (employee-proposing)", "version": OPTIMISER_VERSION}
    elif inst.max_moves is not None:
        assignment = _solve_milp(inst)
        solver = {"name": "scipy.optimize.milp (HiGHS)", "version": scipy.__version__}
    else:
        assignment = _solve_flow(inst)
        solver = {"name": "ortools.SimpleMinCostFlow", "version": ORTOOLS_VERSION}
    from tatamutasi_matching.domain.explain import explain  # local: explain imports us

    assigned = inst.assigned_scores(assignment)
    rows = []
    moves = []
    for e, p in enumerate(assignment):
        cur = inst.current[e]
        moved = p != cur
        s = assigned[e]
        rows.append(
            {"employee": inst.employees[e], "post": inst.posts[p], "moved": moved, "score": s}
        )
        if moved:
            move = {
                "employee": inst.employees[e],
                "from": inst.posts[cur],
                "to": inst.posts[p],
                "score": s,
                "stay_score": inst.stay_score[e],
                "gain": s - inst.stay_score[e],
            }
            for key, q in (("from_opd", cur), ("to_opd", p)):
                if "opd" in inst.post_attrs[q]:
                    move[key] = inst.post_attrs[q]["opd"]
            moves.append(move)
    unmet = _unmet(inst, assignment, mode)
    eff = inst.effective_capacity()
    overstaffed = [
        {"post": inst.posts[p], "capacity": inst.capacity[p], "holders": inst.incumbents[p]}
        for p in range(len(inst.posts))
        if eff[p] > inst.capacity[p]
    ]
    result: dict[str, Any] = {
        "format": RESULT_FORMAT,
        "mode": mode,
        "status": "complete" if not unmet else "constraints_unmet",
        "objective": sum(r["score"] for r in rows),
        "baseline_objective": sum(inst.stay_score),
        "employees": len(rows),
        "moves_count": len(moves),
        "moves": moves,
        "assignment": rows,
        "unmet": unmet,
        "overstaffed_posts": overstaffed,
        "fairness": fairness(inst, assignment, assigned),
        "provenance": {
            "input_sha256": digest,
            "optimiser": OPTIMISER_VERSION,
            "solver": solver,
            "options": dict(sorted(inst.options.items())),
            "meta": dict(inst.meta),
        },
    }
    if inst.explain:
        result["explanations"] = explain(inst, assignment, detail, assigned)
    return result


def dump_result(result: Mapping[str, Any]) -> bytes:
    """Canonical bytes of a result: sorted keys, compact, UTF-8, trailing newline."""
    return (
        json.dumps(result, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
    ).encode()


def result_hash(result: Mapping[str, Any]) -> str:
    return hashlib.sha256(dump_result(result)).hexdigest()
