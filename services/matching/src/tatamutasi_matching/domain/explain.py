"""Explanations of a plan: per move (score, rules, the three best alternatives and why they
lost) and per employee (why they stay or move), in Indonesian and English; posts unknown to
the formasi (closed: offered to nobody) are listed with the reason, and their holders' rows
carry it too."""

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from tatamutasi_matching.domain.instance import Instance
from tatamutasi_matching.domain.model import UNKNOWN_POST_CODE, UNKNOWN_POST_REASON


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
    pe, pp = inst.pair_employee, inst.pair_post
    ok = np.ones(len(pe), dtype=bool)
    if inst.locked_posts and len(pe):
        ok &= ~np.isin(pp, np.fromiter(inst.locked_posts, dtype=np.int64))
    cur = np.asarray(inst.current, dtype=np.int64)
    movable = np.ones(n, dtype=bool)
    if inst.locked_employees:
        movable[np.fromiter(inst.locked_employees, dtype=np.int64)] = False
    if inst.locked_posts and n:
        movable &= ~np.isin(cur, np.fromiter(inst.locked_posts, dtype=np.int64))
    moved_mask = np.asarray(assignment, dtype=np.int64) != cur
    # candidates of each post that receives a mover, best score first (ties: lower employee)
    by_post, bounds = _candidates_by_post(inst, ok, np.asarray(assignment, np.int64)[moved_mask])
    best_alt = _best_alternatives(inst, ok & movable[pe] if len(pe) else ok)
    holders: dict[int, list[int]] = {}
    for e, p in enumerate(assignment):
        holders.setdefault(p, []).append(e)

    own = assigned if assigned is not None else inst.assigned_scores(assignment)

    def pref_rank(e: int, p: int) -> int | None:
        prefs = inst.preferences[e]
        return prefs.index(p) + 1 if p in prefs else None

    def candidates(p: int) -> Iterator[tuple[int, int]]:
        """(employee, score) of post p's candidates, best first, fetched a few at a time."""
        lo, hi = int(bounds[p]), int(bounds[p + 1])
        step = 8
        while lo < hi:
            top = min(hi, lo + step)
            yield from zip(by_post[0][lo:top].tolist(), by_post[1][lo:top].tolist(), strict=True)
            lo, step = top, step * 4

    moves = []
    for e in range(n):
        p = assignment[e]
        if p == inst.current[e]:
            continue
        s = own[e]
        alternatives = []
        for a, sa in candidates(p):
            if a == e or assignment[a] == p:
                continue
            where = assignment[a]
            if not movable[a]:
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
        if cur in inst.closed_posts:
            row["post_note"] = {
                "reason_code": UNKNOWN_POST_CODE,
                "reason": dict(UNKNOWN_POST_REASON),
            }
        employees.append(row)
    out: dict[str, Any] = {"moves": moves, "employees": employees}
    if inst.closed_posts:  # why these posts were offered to nobody
        out["closed_posts"] = [
            {
                "post": inst.posts[p],
                "holders": inst.incumbents[p],
                "reason_code": UNKNOWN_POST_CODE,
                "reason": dict(UNKNOWN_POST_REASON),
            }
            for p in sorted(inst.closed_posts)
        ]
    return out


def _candidates_by_post(
    inst: Instance, ok: np.ndarray, targets: np.ndarray
) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """The allowed pairs into the posts in `targets`, ordered by (post, score descending,
    employee): ((employees, scores), bounds) where post p's run is `bounds[p]:bounds[p + 1]`.
    One integer sort of a combined key instead of a three-key lexsort."""
    n, m, top = len(inst.employees), len(inst.posts), inst.score_max
    pe, pp, ps = inst.pair_employee, inst.pair_post, inst.pair_score
    wanted = np.zeros(m + 1, dtype=bool)
    wanted[targets] = True
    keep = ok & wanted[pp] if len(pp) else ok
    e, p, s = pe[keep], pp[keep], ps[keep]
    if m * (top + 1) * max(n, 1) < 2**62:
        key = (p * (top + 1) + (top - s)) * max(n, 1) + e
        key.sort()
        p, rest = np.divmod(key, (top + 1) * max(n, 1))
        neg, e = np.divmod(rest, max(n, 1))
        s = top - neg
    else:  # pragma: no cover - only for score ranges too wide for one int64 key
        order = np.lexsort((e, -s, p))
        e, p, s = e[order], p[order], s[order]
    return (e, s), np.searchsorted(p, np.arange(m + 1))


def _best_alternatives(inst: Instance, allowed: np.ndarray) -> dict[int, tuple[int, int]]:
    """Each employee's best allowed pair (ties: lower post index): e → (post, score).
    Pairs are sorted by (employee, post), so this is a segment maximum."""
    pe, pp, ps = inst.pair_employee, inst.pair_post, inst.pair_score
    idx = np.nonzero(allowed)[0]
    if not len(idx):
        return {}
    e, s = pe[idx], ps[idx]
    new_seg = np.r_[True, e[1:] != e[:-1]]
    seg = np.cumsum(new_seg) - 1
    best = np.maximum.reduceat(s, np.nonzero(new_seg)[0])
    at = np.nonzero(s == best[seg])[0]  # pairs reaching their employee's maximum …
    at = at[np.r_[True, seg[at][1:] != seg[at][:-1]]]  # … the first of each (lowest post)
    k = idx[at]
    return dict(zip(pe[k].tolist(), zip(pp[k].tolist(), ps[k].tolist(), strict=True), strict=True))
