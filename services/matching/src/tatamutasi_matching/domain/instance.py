"""The optimiser's instance format (`tatamutasi.plan-instance/v1`), parsed and validated.

```json
{
  "format": "tatamutasi.plan-instance/v1",
  "employees": [
    {"id": "198501012010011001", "current_post": "BPKAD/PELAKSANA", "stay_score": 420,
     "preferences": ["DINKES/ANALIS"],            // optional, best first (stable mode)
     "detail": {},                                // optional, copied to explanations
     "attrs": {"opd": "BPKAD", "golongan": "33", "sex": "M", "age_band": "40-49"}}
  ],
  "posts": [{"id": "DINKES/ANALIS", "capacity": 2, "attrs": {"opd": "DINKES"}}],
  "pairs": [{"employee": "198501012010011001", "post": "DINKES/ANALIS", "score": 710,
             "detail": {}}],                      // detail: optional, copied to explanations
  "options": {"score_max": 1000, "locked_employees": [], "locked_posts": [],
              "priority_posts": [], "max_moves": null, "explain": true},
  "meta": {}                                      // optional: versions, copied to provenance
}
```

- `capacity` is the number of seats of the post (formasi need), counting current holders:
  a mover frees a seat, so chains and swaps of moves are found. A post held by more people
  than its capacity keeps them (nobody is pushed out for lack of a seat) and is reported.
- `pairs` are the eligible moves (every `block` rule passed or waived) with an integer score
  in `0..score_max`; staying is always allowed and scores `stay_score`.
- Locked employees stay; locked posts keep their holders and take nobody new; priority posts
  must end with all `capacity` seats filled; `max_moves` caps the number of movers.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

FORMAT = "tatamutasi.plan-instance/v1"


class InstanceError(ValueError):
    """The instance is malformed; names the offending field in both languages."""

    def __init__(self, en: str, id_: str, *, field: str) -> None:
        super().__init__(f"{field}: {en}")
        self.message_en = en
        self.message_id = id_
        self.field = field


@dataclass(frozen=True)
class Instance:
    employees: tuple[str, ...]  # sorted ids
    current: tuple[int, ...]  # post index per employee
    stay_score: tuple[int, ...]
    posts: tuple[str, ...]  # sorted ids
    capacity: tuple[int, ...]
    pair_employee: tuple[int, ...]  # sorted by (employee, post)
    pair_post: tuple[int, ...]
    pair_score: tuple[int, ...]
    score_max: int
    locked_employees: frozenset[int]
    locked_posts: frozenset[int]
    priority_posts: frozenset[int]
    max_moves: int | None
    explain: bool
    preferences: tuple[tuple[int, ...], ...]
    has_preferences: tuple[bool, ...]
    employee_attrs: tuple[Mapping[str, str], ...]
    post_attrs: tuple[Mapping[str, str], ...]
    pair_detail: Mapping[int, Any] = field(default_factory=dict)  # pair index → detail
    employee_detail: Mapping[int, Any] = field(default_factory=dict)  # employee → stay detail
    meta: Mapping[str, Any] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def incumbents(self) -> list[int]:
        counts = [0] * len(self.posts)
        for p in self.current:
            counts[p] += 1
        return counts

    def effective_capacity(self) -> list[int]:
        return [max(c, i) for c, i in zip(self.capacity, self.incumbents, strict=True)]

    def movable(self, e: int) -> bool:
        return e not in self.locked_employees and self.current[e] not in self.locked_posts


def _err(en: str, id_: str, where: str) -> InstanceError:
    return InstanceError(en, id_, field=where)


def _int(value: Any, where: str, lo: int, hi: float = math.inf) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _err("must be an integer", "harus bilangan bulat", where)
    if value < lo or value > hi:
        bound = f"{lo}..{int(hi)}" if hi != math.inf else f">= {lo}"
        raise _err(f"{value} is out of range {bound}", f"{value} di luar rentang {bound}", where)
    return value


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise _err("must be a non-empty string", "harus teks tidak kosong", where)
    return value


def _list(value: Any, where: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise _err("must be a list", "harus berupa daftar", where)
    return value


def _attrs(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str | int) for k, v in value.items()
    ):
        raise _err("must map names to strings", "harus memetakan nama ke teks", where)
    return {k: str(v) for k, v in value.items()}


def _pair_error(
    pr: Any,
    i: int,
    emp_ref: Any,
    post_ref: Any,
    score_max: int,
    current: tuple[int, ...],
) -> None:
    """Raise the precise error for a pair the fast path refused."""
    where = f"pairs[{i}]"
    if not isinstance(pr, dict):
        raise _err("must be an object", "harus objek", where)
    ei = emp_ref(pr.get("employee"), f"{where}.employee")
    pi = post_ref(pr.get("post"), f"{where}.post")
    _int(pr.get("score"), f"{where}.score", 0, score_max)
    if pi == current[ei]:
        raise _err(
            "a pair to the current post is the stay option: use stay_score",
            "pasangan ke jabatan saat ini adalah opsi tetap: gunakan stay_score",
            where,
        )
    raise AssertionError(f"{where} refused without a reason")  # pragma: no cover


def parse_instance(raw: Any) -> Instance:
    """Validate `raw` (parsed JSON) and index it; raises InstanceError naming the field."""
    if not isinstance(raw, dict):
        raise _err("the instance must be a JSON object", "instance harus objek JSON", "$")
    if raw.get("format") != FORMAT:
        raise _err(f"format must be {FORMAT!r}", f"format harus {FORMAT!r}", "format")
    opts = raw.get("options") or {}
    if not isinstance(opts, dict):
        raise _err("must be an object", "harus objek", "options")
    known = {
        "score_max",
        "locked_employees",
        "locked_posts",
        "priority_posts",
        "max_moves",
        "explain",
    }
    extra = sorted(set(opts) - known)
    if extra:
        raise _err(f"unknown option(s) {extra}", f"opsi tidak dikenal {extra}", "options")
    score_max = _int(opts.get("score_max", 1000), "options.score_max", 1, 10**9)

    raw_posts = _list(raw.get("posts"), "posts")
    post_rows: dict[str, tuple[int, dict[str, str]]] = {}
    for i, p in enumerate(raw_posts):
        where = f"posts[{i}]"
        if not isinstance(p, dict):
            raise _err("must be an object", "harus objek", where)
        pid = _str(p.get("id"), f"{where}.id")
        if pid in post_rows:
            raise _err(f"duplicate post {pid!r}", f"jabatan {pid!r} ganda", f"{where}.id")
        cap = _int(p.get("capacity"), f"{where}.capacity", 0)
        post_rows[pid] = (cap, _attrs(p.get("attrs"), f"{where}.attrs"))
    posts = tuple(sorted(post_rows))
    post_index = {p: i for i, p in enumerate(posts)}

    def post_ref(value: Any, where: str) -> int:
        pid = _str(value, where)
        if pid not in post_index:
            raise _err(f"unknown post {pid!r}", f"jabatan {pid!r} tidak dikenal", where)
        return post_index[pid]

    raw_emps = _list(raw.get("employees"), "employees")
    emp_detail: dict[str, Any] = {}
    emp_rows: dict[str, tuple[int, int, list[int] | None, dict[str, str]]] = {}
    for i, e in enumerate(raw_emps):
        where = f"employees[{i}]"
        if not isinstance(e, dict):
            raise _err("must be an object", "harus objek", where)
        eid = _str(e.get("id"), f"{where}.id")
        if eid in emp_rows:
            raise _err(f"duplicate employee {eid!r}", f"pegawai {eid!r} ganda", f"{where}.id")
        cur = post_ref(e.get("current_post"), f"{where}.current_post")
        stay = _int(e.get("stay_score"), f"{where}.stay_score", 0, score_max)
        prefs: list[int] | None = None
        if e.get("preferences") is not None:
            prefs = [
                post_ref(v, f"{where}.preferences[{k}]")
                for k, v in enumerate(_list(e["preferences"], f"{where}.preferences"))
            ]
            if len(set(prefs)) != len(prefs):
                raise _err(
                    "a post is listed twice", "jabatan tercantum dua kali", f"{where}.preferences"
                )
        emp_rows[eid] = (cur, stay, prefs, _attrs(e.get("attrs"), f"{where}.attrs"))
        if e.get("detail") is not None:
            emp_detail[eid] = e["detail"]
    employees = tuple(sorted(emp_rows))
    emp_index = {e: i for i, e in enumerate(employees)}

    def emp_ref(value: Any, where: str) -> int:
        eid = _str(value, where)
        if eid not in emp_index:
            raise _err(f"unknown employee {eid!r}", f"pegawai {eid!r} tidak dikenal", where)
        return emp_index[eid]

    current = tuple(emp_rows[e][0] for e in employees)
    raw_pairs = _list(raw.get("pairs", []), "pairs")
    n_pairs = len(raw_pairs)
    pe_list, pp_list, ps_list = [0] * n_pairs, [0] * n_pairs, [0] * n_pairs
    details: dict[int, Any] = {}
    get_emp, get_post = emp_index.get, post_index.get
    for i, pr in enumerate(raw_pairs):  # hot loop: millions of pairs, checks inlined
        try:
            ei, pi, score = get_emp(pr["employee"]), get_post(pr["post"]), pr["score"]
        except (TypeError, KeyError):
            ei = pi = score = None
        if (
            ei is None
            or pi is None
            or type(score) is not int
            or not 0 <= score <= score_max
            or pi == current[ei]
        ):
            _pair_error(pr, i, emp_ref, post_ref, score_max, current)
        pe_list[i], pp_list[i], ps_list[i] = ei, pi, score
        detail = pr.get("detail")
        if detail is not None:
            details[i] = detail
    pe_a = np.asarray(pe_list, dtype=np.int64)
    pp_a = np.asarray(pp_list, dtype=np.int64)
    order = np.lexsort((np.arange(n_pairs), pp_a, pe_a))  # by employee, post, input order
    spe, spp = pe_a[order], pp_a[order]
    dup = np.nonzero((spe[1:] == spe[:-1]) & (spp[1:] == spp[:-1]))[0]
    if len(dup):
        raise _err("duplicate pair", "pasangan ganda", f"pairs[{int(order[dup + 1].min())}]")
    position = np.empty(n_pairs, dtype=np.int64)
    position[order] = np.arange(n_pairs)

    def refs(name: str, ref: Any) -> frozenset[int]:
        return frozenset(
            ref(v, f"options.{name}[{k}]")
            for k, v in enumerate(_list(opts.get(name, []), f"options.{name}"))
        )

    max_moves = opts.get("max_moves")
    if max_moves is not None:
        max_moves = _int(max_moves, "options.max_moves", 0)
    explain = opts.get("explain", True)
    if not isinstance(explain, bool):
        raise _err("must be true or false", "harus true atau false", "options.explain")
    meta = raw.get("meta") or {}
    if not isinstance(meta, dict):
        raise _err("must be an object", "harus objek", "meta")
    pair_detail = {int(position[i]): d for i, d in details.items()}
    return Instance(
        employees=employees,
        current=current,
        stay_score=tuple(emp_rows[e][1] for e in employees),
        posts=posts,
        capacity=tuple(post_rows[p][0] for p in posts),
        pair_employee=tuple(spe.tolist()),
        pair_post=tuple(spp.tolist()),
        pair_score=tuple(np.asarray(ps_list, dtype=np.int64)[order].tolist()),
        score_max=score_max,
        locked_employees=refs("locked_employees", emp_ref),
        locked_posts=refs("locked_posts", post_ref),
        priority_posts=refs("priority_posts", post_ref),
        max_moves=max_moves,
        explain=explain,
        preferences=tuple(tuple(emp_rows[e][2] or ()) for e in employees),
        has_preferences=tuple(emp_rows[e][2] is not None for e in employees),
        employee_attrs=tuple(emp_rows[e][3] for e in employees),
        post_attrs=tuple(post_rows[p][1] for p in posts),
        pair_detail=pair_detail,
        employee_detail={emp_index[k]: v for k, v in emp_detail.items()},
        meta=meta,
        options={**opts, "score_max": score_max},
    )
