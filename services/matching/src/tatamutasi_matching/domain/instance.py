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
              "closed_posts": [], "priority_posts": [], "max_moves": null, "explain": true},
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
- Closed posts (`closed_posts`, optional) take nobody new but, unlike locked posts, their
  holders may move out: the posts neither the formasi nor the jabatan catalogue knows, which
  exist only because someone holds them. No pair may target a closed post.
"""

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NoReturn

import numpy as np

FORMAT = "tatamutasi.plan-instance/v1"


class InstanceError(ValueError):
    """The instance is malformed; names the offending field in both languages."""

    def __init__(self, en: str, id_: str, *, field: str) -> None:
        super().__init__(f"{field}: {en}")
        self.message_en = en
        self.message_id = id_
        self.field = field


@dataclass(frozen=True, eq=False)
class Instance:
    """An indexed, validated instance. Pairs are numpy arrays sorted by (employee, post)."""

    employees: tuple[str, ...]  # sorted ids
    current: tuple[int, ...]  # post index per employee
    stay_score: tuple[int, ...]
    posts: tuple[str, ...]  # sorted ids
    capacity: tuple[int, ...]
    pair_employee: np.ndarray  # int64, sorted by (employee, post)
    pair_post: np.ndarray  # int64
    pair_score: np.ndarray  # int64
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
    closed_posts: frozenset[int] = frozenset()  # take nobody new; holders may move out

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

    @cached_property
    def _pair_keys(self) -> np.ndarray:
        return self.pair_employee * max(len(self.posts), 1) + self.pair_post

    @cached_property
    def employee_offsets(self) -> np.ndarray:
        """Pairs of employee e are `offsets[e]:offsets[e + 1]`."""
        return np.searchsorted(self.pair_employee, np.arange(len(self.employees) + 1))

    def pair_index(self, e: int, p: int) -> int:
        """Index of the pair (e, p), or -1 when it is not eligible."""
        lo, hi = int(self.employee_offsets[e]), int(self.employee_offsets[e + 1])
        k = lo + int(np.searchsorted(self.pair_post[lo:hi], p))
        return k if k < hi and int(self.pair_post[k]) == p else -1

    def score(self, e: int, p: int) -> int | None:
        """The score of e at p: the stay score at the current post, None if not eligible."""
        if p == self.current[e]:
            return self.stay_score[e]
        k = self.pair_index(e, p)
        return int(self.pair_score[k]) if k >= 0 else None

    def assigned_scores(self, assignment: Sequence[int]) -> list[int]:
        """The score of every employee at their assigned post (vectorised `score`)."""
        a = np.asarray(assignment, dtype=np.int64)
        cur = np.asarray(self.current, dtype=np.int64)
        out = np.asarray(self.stay_score, dtype=np.int64).copy()
        moved = np.nonzero(a != cur)[0]
        if len(moved):
            keys = moved * max(len(self.posts), 1) + a[moved]
            k = np.searchsorted(self._pair_keys, keys)
            k = np.minimum(k, max(len(self._pair_keys) - 1, 0))
            if not len(self._pair_keys) or bool(np.any(self._pair_keys[k] != keys)):
                raise ValueError("an assignment holds a pair that is not eligible")
            out[moved] = self.pair_score[k]
        return out.tolist()  # type: ignore[no-any-return]


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
) -> NoReturn:
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


def _closed_error(where: str) -> InstanceError:
    return _err(
        "a closed post (unknown to the formasi) takes nobody new",
        "jabatan tertutup (tidak dikenal formasi) tidak menerima pegawai baru",
        where,
    )


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
        "closed_posts",
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

    closed = refs("closed_posts", post_ref)
    if closed and n_pairs:
        into = np.nonzero(np.isin(pp_a, np.fromiter(closed, dtype=np.int64)))[0]
        if len(into):
            raise _closed_error(f"pairs[{int(into.min())}]")
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
        pair_employee=spe,
        pair_post=spp,
        pair_score=np.asarray(ps_list, dtype=np.int64)[order],
        score_max=score_max,
        locked_employees=refs("locked_employees", emp_ref),
        locked_posts=refs("locked_posts", post_ref),
        priority_posts=refs("priority_posts", post_ref),
        closed_posts=closed,
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


def canonical_json(raw: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8, no NaN/Infinity. For the integer and string
    content of an instance this is the RFC 8785 form; it is computed by the C encoder
    because the pure-Python RFC 8785 serialiser is too slow for millions of pairs."""
    try:
        text = json.dumps(
            raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError) as exc:
        raise InstanceError(
            f"not canonical JSON: {exc}", f"bukan JSON kanonik: {exc}", field="$"
        ) from exc
    return text.encode()


def _refs(names: Iterable[str], index: Mapping[str, int], option: str, kind: str) -> frozenset[int]:
    out = set()
    for k, name in enumerate(names):
        if name not in index:
            what_id = "pegawai" if kind == "employee" else "jabatan"
            raise _err(
                f"unknown {kind} {name!r}",
                f"{what_id} {name!r} tidak dikenal",
                f"options.{option}[{k}]",
            )
        out.add(index[name])
    return frozenset(out)


def from_arrays(
    *,
    employees: Sequence[str],
    current: Sequence[int] | np.ndarray,
    stay_score: Sequence[int] | np.ndarray,
    posts: Sequence[str],
    capacity: Sequence[int] | np.ndarray,
    pair_employee: np.ndarray,
    pair_post: np.ndarray,
    pair_score: np.ndarray,
    score_max: int,
    preferences: Sequence[Sequence[int] | None] | None = None,
    employee_attrs: Sequence[Mapping[str, str]] | None = None,
    post_attrs: Sequence[Mapping[str, str]] | None = None,
    locked_employees: Iterable[str] = (),
    locked_posts: Iterable[str] = (),
    priority_posts: Iterable[str] = (),
    closed_posts: Iterable[str] = (),
    max_moves: int | None = None,
    explain: bool = True,
    meta: Mapping[str, Any] | None = None,
) -> Instance:
    """Index an instance built in memory (the service path: no JSON in between).

    Employees and posts must be sorted and unique, pairs sorted by (employee, post) without
    duplicates or stay pairs; the result is the same `Instance` that `parse_instance` gives
    for `to_raw` of it, so both paths share one core and one input hash."""
    n, m = len(employees), len(posts)
    if list(employees) != sorted(set(employees)):
        raise _err(
            "employees must be sorted and unique", "pegawai harus urut dan unik", "employees"
        )
    if list(posts) != sorted(set(posts)):
        raise _err("posts must be sorted and unique", "jabatan harus urut dan unik", "posts")
    cur = np.asarray(current, dtype=np.int64)
    stay = np.asarray(stay_score, dtype=np.int64)
    cap = np.asarray(capacity, dtype=np.int64)
    pe = np.ascontiguousarray(pair_employee, dtype=np.int64)
    pp = np.ascontiguousarray(pair_post, dtype=np.int64)
    ps = np.ascontiguousarray(pair_score, dtype=np.int64)
    if len(cur) != n or len(stay) != n or len(cap) != m or not len(pe) == len(pp) == len(ps):
        raise _err("array lengths differ", "panjang larik berbeda", "$")
    if n and (cur.min() < 0 or cur.max() >= m):
        raise _err("current post out of range", "jabatan saat ini di luar rentang", "employees")
    if n and (stay.min() < 0 or stay.max() > score_max):
        raise _err("stay score out of range", "skor tetap di luar rentang", "employees")
    if m and cap.min() < 0:
        raise _err("negative capacity", "kapasitas negatif", "posts")
    if len(pe):
        keys = pe * max(m, 1) + pp
        if (
            pe.min() < 0
            or pe.max() >= n
            or pp.min() < 0
            or pp.max() >= m
            or ps.min() < 0
            or ps.max() > score_max
            or bool(np.any(keys[1:] <= keys[:-1]))
            or bool(np.any(pp == cur[pe]))
        ):
            raise _err(
                "pairs must be sorted, unique, in range and not the stay option",
                "pasangan harus urut, unik, dalam rentang dan bukan opsi tetap",
                "pairs",
            )
    emp_index = {e: i for i, e in enumerate(employees)}
    post_index = {p: i for i, p in enumerate(posts)}
    locked_e = sorted(locked_employees)
    locked_p = sorted(locked_posts)
    prio = sorted(priority_posts)
    closed_names = sorted(closed_posts)
    closed = _refs(closed_names, post_index, "closed_posts", "post")
    if closed and len(pp) and bool(np.any(np.isin(pp, np.fromiter(closed, dtype=np.int64)))):
        raise _closed_error("pairs")
    options: dict[str, Any] = {
        "score_max": score_max,
        "locked_employees": locked_e,
        "locked_posts": locked_p,
        "priority_posts": prio,
    }
    if closed_names:  # only when used, so instances without closed posts keep their hash
        options["closed_posts"] = closed_names
    if max_moves is not None:
        options["max_moves"] = _int(max_moves, "options.max_moves", 0)
    if not explain:
        options["explain"] = False
    prefs = list(preferences) if preferences is not None else [None] * n
    return Instance(
        employees=tuple(employees),
        current=tuple(cur.tolist()),
        stay_score=tuple(stay.tolist()),
        posts=tuple(posts),
        capacity=tuple(cap.tolist()),
        pair_employee=pe,
        pair_post=pp,
        pair_score=ps,
        score_max=score_max,
        locked_employees=_refs(locked_e, emp_index, "locked_employees", "employee"),
        locked_posts=_refs(locked_p, post_index, "locked_posts", "post"),
        priority_posts=_refs(prio, post_index, "priority_posts", "post"),
        closed_posts=closed,
        max_moves=max_moves,
        explain=explain,
        preferences=tuple(tuple(x or ()) for x in prefs),
        has_preferences=tuple(x is not None for x in prefs),
        employee_attrs=tuple(employee_attrs or ({},) * n),
        post_attrs=tuple(post_attrs or ({},) * m),
        meta=dict(meta or {}),
        options=options,
    )


def to_raw(inst: Instance, *, pairs: bool = True) -> dict[str, Any]:
    """The instance as `tatamutasi.plan-instance/v1` JSON data (sorted, canonical order):
    `parse_instance(to_raw(inst))` indexes to the same instance."""
    employees = []
    for e, eid in enumerate(inst.employees):
        row: dict[str, Any] = {
            "id": eid,
            "current_post": inst.posts[inst.current[e]],
            "stay_score": inst.stay_score[e],
            "attrs": dict(inst.employee_attrs[e]),
        }
        if inst.has_preferences[e]:
            row["preferences"] = [inst.posts[p] for p in inst.preferences[e]]
        if e in inst.employee_detail:
            row["detail"] = inst.employee_detail[e]
        employees.append(row)
    raw: dict[str, Any] = {
        "format": FORMAT,
        "employees": employees,
        "posts": [
            {"id": pid, "capacity": inst.capacity[p], "attrs": dict(inst.post_attrs[p])}
            for p, pid in enumerate(inst.posts)
        ],
        "options": dict(inst.options),
        "meta": dict(inst.meta),
    }
    if pairs:
        out = []
        for k, (e, p, s) in enumerate(
            zip(
                inst.pair_employee.tolist(),
                inst.pair_post.tolist(),
                inst.pair_score.tolist(),
                strict=True,
            )
        ):
            pair: dict[str, Any] = {"employee": inst.employees[e], "post": inst.posts[p]}
            pair["score"] = s
            if k in inst.pair_detail:
                pair["detail"] = inst.pair_detail[k]
            out.append(pair)
        raw["pairs"] = out
    return raw


_PAIRS_MARK = "\x00pairs\x00"
_CHUNK = 200_000
_SCORE_TABLE = 100_000  # score texts are looked up in a table up to this score_max


def instance_sha256(inst: Instance) -> str:
    """SHA-256 of the canonical JSON of `to_raw(inst)`, streamed: the pairs (millions in a
    large Pemda) are written chunk by chunk and never held as JSON objects."""
    head = to_raw(inst, pairs=False)
    head["pairs"] = _PAIRS_MARK
    text = canonical_json(head).decode()
    token = json.dumps(_PAIRS_MARK, ensure_ascii=False)
    if text.count(token) != 1:  # an id contains the mark: take the slow, plain way
        return hashlib.sha256(canonical_json(to_raw(inst))).hexdigest()
    before, after = text.split(token)
    digest = hashlib.sha256(before.encode())
    digest.update(b"[")
    # each pair's text is three pieces looked up by employee, post and score, then joined
    # in C (`map("".join, …)`): twice as fast as formatting every pair
    ej = np.array(
        ['{"employee":' + json.dumps(x, ensure_ascii=False) + ',"post":' for x in inst.employees]
        or [""],
        dtype=object,
    )
    pj = np.array(
        [json.dumps(x, ensure_ascii=False) + ',"score":' for x in inst.posts] or [""],
        dtype=object,
    )
    table = inst.score_max <= _SCORE_TABLE
    sj = np.array([f"{s}}}" for s in range(inst.score_max + 1 if table else 0)], dtype=object)
    total = len(inst.pair_employee)
    for a in range(0, total, _CHUNK):
        b = min(total, a + _CHUNK)
        ss = inst.pair_score[a:b].tolist()
        parts = list(
            map(
                "".join,
                zip(
                    ej[inst.pair_employee[a:b]].tolist(),
                    pj[inst.pair_post[a:b]].tolist(),
                    sj[inst.pair_score[a:b]].tolist() if table else [f"{s}}}" for s in ss],
                    strict=True,
                ),
            )
        )
        for k in (k for k in inst.pair_detail if a <= k < b):
            pair = {"detail": inst.pair_detail[k]}
            pair["employee"] = inst.employees[int(inst.pair_employee[k])]
            pair.update(post=inst.posts[int(inst.pair_post[k])], score=ss[k - a])
            parts[k - a] = canonical_json(pair).decode()
        if a:
            digest.update(b",")
        digest.update(",".join(parts).encode())
    digest.update(b"]")
    digest.update(after.encode())
    return digest.hexdigest()
