"""Optimiser benchmark: whole-Pemda plans on generated instances, against a plain OR-Tools
`SimpleMinCostFlow` baseline on the same instance.

Each size runs in its own process (so peak RSS is that size's own). Phases timed: building
the JSON instance is not counted; `parse` = validate and index the instance; `solve` = the
min-cost flow; `total` = `solve()` end to end (parse, solve, fairness, explanations) plus the
canonical dump. The baseline builds the same network straight from arrays and solves it;
both objectives must agree. Stable mode (deferred acceptance) is run on the same instance
and reported as a share of the optimum, with its justified-envy count.

Standalone: `.venv/bin/python -m bench.bench_optimiser [--sizes 1000,10000,30000]`."""

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

import numpy as np

from bench.core import Benchmark, Result, Target, machine_info, render_section, write_section

DEFAULT_SIZES = (1000, 10000, 30000)
PAIRS_PER_EMPLOYEE = 200


def generate(n: int, seed: int = 7) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """A Pemda of `n` employees; posts hold ~8 seats, 5 % of seats are vacant; each employee
    has ~200 eligible posts; scores mix a skill match with noise (0..1000)."""
    rng = np.random.default_rng(seed)
    seats = int(n * 1.05)
    m = max(50, seats // 8)
    k = min(PAIRS_PER_EMPLOYEE, m - 1)
    cap = np.full(m, seats // m, dtype=np.int64)
    cap[: seats - int(cap.sum())] += 1
    slots = np.repeat(np.arange(m), cap)
    current = rng.permutation(slots)[:n]
    skill = rng.random((n, 4))
    need = rng.random((m, 4))
    stay = rng.integers(400, 900, n)
    pe = np.repeat(np.arange(n), k)
    pp = (current[pe] + rng.integers(1, m, n * k)) % m  # never the current post
    order = np.lexsort((pp, pe))
    pe, pp = pe[order], pp[order]
    keep = np.ones(len(pe), dtype=bool)
    keep[1:] = (pe[1:] != pe[:-1]) | (pp[1:] != pp[:-1])
    pe, pp = pe[keep], pp[keep]
    fit = 1.0 - np.abs(skill[pe] - need[pp]).mean(axis=1)
    ps = np.clip((fit * 800 + rng.integers(0, 200, len(pe))).astype(np.int64), 0, 1000)
    emp_ids = [f"E{i:06d}" for i in range(n)]
    post_ids = [f"P{j:05d}" for j in range(m)]
    opds = [f"OPD-{j % 40:02d}" for j in range(m)]
    sexes, gols = ("F", "M"), ("31", "32", "33", "34", "41")
    raw = {
        "format": "tatamutasi.plan-instance/v1",
        "employees": [
            {
                "id": emp_ids[i],
                "current_post": post_ids[current[i]],
                "stay_score": int(stay[i]),
                "attrs": {
                    "opd": opds[current[i]],
                    "sex": sexes[i % 2],
                    "golongan": gols[i % 5],
                    "age_band": f"{20 + 10 * (i % 4)}-{29 + 10 * (i % 4)}",
                },
            }
            for i in range(n)
        ],
        "posts": [{"id": post_ids[j], "capacity": int(cap[j])} for j in range(m)],
        "pairs": [
            {"employee": emp_ids[e], "post": post_ids[p], "score": int(s)}
            for e, p, s in zip(pe.tolist(), pp.tolist(), ps.tolist(), strict=True)
        ],
        "options": {"score_max": 1000},
    }
    # a fifth of the employees state three preferences (for stable mode and fairness)
    for i in range(0, n, 5):
        mine = pp[pe == i][:3]
        raw["employees"][i]["preferences"] = [post_ids[p] for p in mine.tolist()]
    arrays = {"current": current, "stay": stay, "cap": cap, "pe": pe, "pp": pp, "ps": ps}
    return raw, arrays


def baseline(n: int, a: dict[str, np.ndarray]) -> tuple[int, float]:
    """Plain SimpleMinCostFlow on the same network, built straight from arrays."""
    from ortools.graph.python import min_cost_flow

    t0 = time.perf_counter()
    m = len(a["cap"])
    holders = np.bincount(a["current"], minlength=m)
    eff = np.maximum(a["cap"], holders)
    emp = np.arange(n)
    sink = 1 + n + m
    tails = np.concatenate([np.zeros(n, np.int64), 1 + emp, 1 + a["pe"], 1 + n + np.arange(m)])
    heads = np.concatenate(
        [1 + emp, 1 + n + a["current"], 1 + n + a["pp"], np.full(m, sink, np.int64)]
    )
    caps = np.concatenate([np.ones(2 * n + len(a["pe"]), np.int64), eff])
    costs = np.concatenate([np.zeros(n, np.int64), -a["stay"], -a["ps"], np.zeros(m, np.int64)])
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(sink + 1, np.int64)
    supplies[0], supplies[sink] = n, -n
    smcf.set_nodes_supplies(np.arange(sink + 1), supplies)
    if smcf.solve() != smcf.OPTIMAL:
        raise RuntimeError("baseline did not solve")
    return -int(smcf.optimal_cost()), time.perf_counter() - t0


def worker(n: int) -> dict[str, Any]:
    from tatamutasi_matching.domain import optimiser
    from tatamutasi_matching.domain.instance import parse_instance

    raw, arrays = generate(n)
    pairs = len(raw["pairs"])
    t0 = time.perf_counter()
    inst = parse_instance(raw)
    t_parse = time.perf_counter() - t0
    t0 = time.perf_counter()
    assignment = optimiser._solve_flow(inst)
    t_solve = time.perf_counter() - t0
    del inst, assignment
    t0 = time.perf_counter()
    result = optimiser.solve(raw)
    data = optimiser.dump_result(result)
    t_total = time.perf_counter() - t0
    base_objective, t_base = baseline(n, arrays)
    t0 = time.perf_counter()
    stable = optimiser.solve(raw, "stable")
    t_stable = time.perf_counter() - t0
    return {
        "employees": n,
        "posts": len(raw["posts"]),
        "pairs": pairs,
        "parse_s": t_parse,
        "solve_s": t_solve,
        "total_s": t_total,
        "baseline_s": t_base,
        "objective": result["objective"],
        "baseline_objective": base_objective,
        "moves": result["moves_count"],
        "result_mib": len(data) / 2**20,
        "stable_s": t_stable,
        "stable_objective": stable["objective"],
        "stable_envy": stable["fairness"]["justified_envy"]["count"],
        "optimal_envy": result["fairness"]["justified_envy"]["count"],
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_size(n: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_optimiser", "--worker", str(n)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--optimiser-sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="comma-separated employee counts (add 100000 for the largest run)",
    )


def run(args: argparse.Namespace) -> Result:
    sizes = [int(s) for s in str(args.optimiser_sizes).split(",") if s]
    rows = []
    for n in sizes:
        print(f"   optimiser: {n} employees …", flush=True)
        rows.append(run_size(n))
    figures = []
    targets = []
    table = [
        "| employees | posts | eligible pairs | parse s | flow s | plan+explain s | baseline "
        "s | flow/baseline | peak RSS MiB | moves | stable % of optimum | envy (stable / "
        "optimal) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ratio = r["solve_s"] / r["baseline_s"]
        share = 100.0 * r["stable_objective"] / r["objective"]
        table.append(
            f"| {r['employees']} | {r['posts']} | {r['pairs']} | {r['parse_s']:.2f} | "
            f"{r['solve_s']:.2f} | {r['total_s']:.2f} | {r['baseline_s']:.2f} | {ratio:.2f} | "
            f"{r['peak_rss_mib']:.0f} | {r['moves']} | {share:.1f} | "
            f"{r['stable_envy']} / {r['optimal_envy']} |"
        )
        figures.append(
            (
                f"plan with explanations, {r['employees']} employees",
                f"{r['total_s']:.1f} s",
                "solve() end to end + canonical dump",
            )
        )
        targets.append(
            Target(
                f"same objective as baseline ({r['employees']})",
                "equal",
                f"{r['objective']} vs {r['baseline_objective']}",
                r["objective"] == r["baseline_objective"],
            )
        )
        targets.append(
            Target(
                f"flow time ≤ 1.5× baseline ({r['employees']})",
                "≤ 1.5",
                f"{ratio:.2f}",
                ratio <= 1.5,
            )
        )
        if r["employees"] == 30000:
            targets.append(
                Target(
                    "30k plan with explanations",
                    "≤ 30 s",
                    f"{r['total_s']:.1f} s",
                    r["total_s"] <= 30.0,
                )  # fmt: skip
            )
    return Result(
        figures=figures,
        targets=targets,
        settings={"sizes": ",".join(map(str, sizes)), "pairs_per_employee": "~200"},
        notes=[
            "Instances are synthetic (seed 7): 5 % vacant seats, ~8 seats per post, scores "
            "from a 4-skill match plus noise; every fifth employee states 3 preferences.",
            "Peak RSS is per size (one process each) and includes building the JSON instance.",
        ],
        extra_markdown="\n".join(table),
    )


BENCHMARK = Benchmark(
    name="optimiser",
    title="Whole-Pemda plan (min-cost flow) vs OR-Tools baseline",
    description=__doc__.split("\n\n")[0],
    add_arguments=add_arguments,
    run=run,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_optimiser")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help="print instead of RESULTS.md")
    add_arguments(parser.add_argument_group("optimiser"))
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return 0
    started = datetime.now(UTC)
    t0 = time.monotonic()
    result = run(args)
    section = render_section(
        BENCHMARK,
        result,
        started=started,
        elapsed_s=time.monotonic() - t0,
        machine=machine_info(),
        command=".venv/bin/python -m bench.bench_optimiser " + " ".join(argv or sys.argv[1:]),
    )
    if args.no_write:
        print(section)
    else:
        write_section(BENCHMARK.name, section)
        print(section)
    return 0 if result.all_met else 1


if __name__ == "__main__":
    sys.exit(main())
