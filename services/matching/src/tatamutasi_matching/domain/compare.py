"""Side-by-side comparison of two plan results (what-if scenarios)."""

from collections.abc import Mapping
from typing import Any


def diff_plans(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """Moves added, removed and changed from plan `a` to plan `b`, with the change in total
    score and in the fairness figures. Plans are results of `optimiser.solve`."""
    ma = {m["employee"]: m for m in a["moves"]}
    mb = {m["employee"]: m for m in b["moves"]}
    added = [mb[e] for e in sorted(mb.keys() - ma.keys())]
    removed = [ma[e] for e in sorted(ma.keys() - mb.keys())]
    changed = [
        {"employee": e, "from": ma[e]["from"], "to_a": ma[e]["to"], "to_b": mb[e]["to"]}
        for e in sorted(ma.keys() & mb.keys())
        if ma[e]["to"] != mb[e]["to"]
    ]
    fa, fb = a["fairness"], b["fairness"]
    return {
        "a": {"input_sha256": a["provenance"]["input_sha256"], "mode": a["mode"]},
        "b": {"input_sha256": b["provenance"]["input_sha256"], "mode": b["mode"]},
        "moves_added": added,
        "moves_removed": removed,
        "moves_changed": changed,
        "unchanged_moves": len(ma.keys() & mb.keys()) - len(changed),
        "objective": {
            "a": a["objective"],
            "b": b["objective"],
            "delta": b["objective"] - a["objective"],
        },
        "moves_count": {"a": a["moves_count"], "b": b["moves_count"]},
        "fairness": {
            "justified_envy": {
                "a": fa["justified_envy"]["count"],
                "b": fb["justified_envy"]["count"],
            },
            "moves_against_stated_preference": {
                "a": fa["moves_against_stated_preference"]["count"],
                "b": fb["moves_against_stated_preference"]["count"],
            },
        },
        "unmet": {"a": len(a["unmet"]), "b": len(b["unmet"])},
    }
