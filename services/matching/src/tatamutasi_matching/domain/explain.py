"""Explanations of a plan: per move (score, rules, the three best alternatives and why they
lost) and per employee (why they stay or move), in Indonesian and English."""

from collections.abc import Callable
from typing import Any

import numpy as np

from tatamutasi_matching.domain.instance import Instance


def _text(en: str, id_: str) -> dict[str, str]:
    return {"en": en, "id": id_}


def explain(
    inst: Instance,
    assignment: list[int],
    detail: Callable[[int, int], Any] | None = None,
    assigned: list[int] | None = None,
) -> dict[str, Any]:
    """`detail(e, p)` gives the score breakdown and rule outcomes of e at p (p = current:
    staying), for every move and every stay; without it, the instance's own pair and
    employee details are used."""
    n = len(inst.employees)
    detail_of = {
        (int(inst.pair_employee[k]), int(inst.pair_post[k])): d for k, d in inst.pair_detail.items()
    }
    pe, pp, ps = inst.pair_employee, inst.pair_post, inst.pair_score
    ok = np.ones(len(pe), dtype=bool)
    if inst.locked_posts and len(pe):
        ok &= ~np.isin(pp, np.fromiter(inst.locked_posts, dtype=np.int64))
    # candidates of each post, best score first (ties: lower employee index)
    idx = np.nonzero(ok)[0]
    by_post = idx[np.lexsort((pe[idx], -ps[idx], pp[idx]))]
    bounds = np.searchsorted(pp[by_post], np.arange(len(inst.posts) + 1))
    # each movable employee's best alternative (ties: lower post index)
    movable = np.fromiter((inst.movable(e) for e in range(n)), dtype=bool, count=n)
    idx = np.nonzero(ok & movable[pe])[0] if len(pe) else idx
    order = idx[np.lexsort((pp[idx], -ps[idx], pe[idx]))]
    first = order[np.r_[True, pe[order][1:] != pe[order][:-1]]] if len(order) else order
    best_alt = {
        e: (p, s)
        for e, p, s in zip(pe[first].tolist(), pp[first].tolist(), ps[first].tolist(), strict=True)
    }
    holders: dict[int, list[int]] = {}
    for e, p in enumerate(assignment):
        holders.setdefault(p, []).append(e)

    own = assigned if assigned is not None else inst.assigned_scores(assignment)

    def pref_rank(e: int, p: int) -> int | None:
        prefs = inst.preferences[e]
        return prefs.index(p) + 1 if p in prefs else None

    moves = []
    for e in range(n):
        p = assignment[e]
        if p == inst.current[e]:
            continue
        s = own[e]
        alternatives = []
        for k in by_post[bounds[p] : bounds[p + 1]].tolist():
            a, sa = int(pe[k]), int(ps[k])
            if a == e or assignment[a] == p:
                continue
            where = assignment[a]
            if not inst.movable(a):
                code, why = "locked", _text("locked: stays in place", "dikunci: tetap di tempat")
            elif sa < s:
                code = "lower_score"
                why = _text(
                    f"lower score for this post ({sa} < {s})",
                    f"skor untuk jabatan ini lebih rendah ({sa} < {s})",
                )
            elif where == inst.current[a]:
                code = "stays"
                why = _text(
                    f"keeps their post (stay score {inst.stay_score[a]}); moving them here "
                    "would lower the plan's total",
                    f"tetap di jabatannya (skor tetap {inst.stay_score[a]}); memindahkannya ke "
                    "sini menurunkan total rencana",
                )
            else:
                code = "placed_elsewhere"
                why = _text(
                    f"placed at {inst.posts[where]} (score {own[a]}), which "
                    "raises the plan's total more",
                    f"ditempatkan di {inst.posts[where]} (skor {own[a]}) yang "
                    "lebih menaikkan total rencana",
                )
            alternatives.append(
                {
                    "employee": inst.employees[a],
                    "score": sa,
                    "assigned_to": inst.posts[where],
                    "reason_code": code,
                    "reason": why,
                }
            )
            if len(alternatives) == 3:
                break
        move: dict[str, Any] = {
            "employee": inst.employees[e],
            "from": inst.posts[inst.current[e]],
            "to": inst.posts[p],
            "score": s,
            "stay_score": inst.stay_score[e],
            "preference_rank": pref_rank(e, p),
            "alternatives": alternatives,
        }
        if (e, p) in detail_of:
            move["detail"] = detail_of[(e, p)]
        elif detail is not None:
            move["detail"] = detail(e, p)
        moves.append(move)

    employees = []
    for e in range(n):
        p, cur = assignment[e], inst.current[e]
        row: dict[str, Any] = {
            "employee": inst.employees[e],
            "decision": "move" if p != cur else "stay",
            "post": inst.posts[p],
            "score": own[e],
            "stay_score": inst.stay_score[e],
            "preference_rank": pref_rank(e, p),
        }
        if e in inst.employee_detail:
            row["stay_detail"] = inst.employee_detail[e]
        elif detail is not None and p == cur:  # a mover's breakdown is in their move
            row["stay_detail"] = detail(e, cur)
        if p != cur:
            gain = own[e] - inst.stay_score[e]
            row["reason_code"] = "moved"
            row["reason"] = _text(
                f"moves to {inst.posts[p]}: score {own[e]} against {inst.stay_score[e]} "
                f"for staying ({gain:+d})",
                f"dimutasi ke {inst.posts[p]}: skor {own[e]} dibanding "
                f"{inst.stay_score[e]} bila tetap ({gain:+d})",
            )
        elif e in inst.locked_employees or cur in inst.locked_posts:
            row["reason_code"] = "locked"
            row["reason"] = _text("locked in place for this plan", "dikunci untuk rencana ini")
        elif e not in best_alt:
            row["reason_code"] = "no_eligible_post"
            row["reason"] = _text(
                "no other post is eligible (a block rule failed or no post was offered)",
                "tidak ada jabatan lain yang memenuhi syarat (aturan penghalang atau tidak ada "
                "formasi)",
            )
        else:
            q, sq = best_alt[e]
            if sq <= inst.stay_score[e]:
                row["reason_code"] = "stay_scores_higher"
                row["reason"] = _text(
                    f"staying scores {inst.stay_score[e]}, the best alternative "
                    f"{inst.posts[q]} only {sq}",
                    f"skor tetap {inst.stay_score[e]}, alternatif terbaik {inst.posts[q]} "
                    f"hanya {sq}",
                )
            else:
                others = [inst.employees[o] for o in holders.get(q, [])][:3]
                row["reason_code"] = "alternative_taken"
                row["reason"] = _text(
                    f"best alternative {inst.posts[q]} ({sq}) is held by "
                    f"{', '.join(others) or 'nobody'}; the plan's total is higher that way"
                    + (
                        f" or the cap of {inst.max_moves} moves binds"
                        if inst.max_moves is not None
                        else ""
                    ),
                    f"alternatif terbaik {inst.posts[q]} ({sq}) diisi oleh "
                    f"{', '.join(others) or 'tidak ada'}; total rencana lebih tinggi"
                    + (
                        f" atau batas {inst.max_moves} mutasi tercapai"
                        if inst.max_moves is not None
                        else ""
                    ),
                )
        employees.append(row)
    return {"moves": moves, "employees": employees}
