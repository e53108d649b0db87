"""A synthetic Pemda (seeded, reproducible) for benchmarks and property tests: OPDs with
units, a jabatan catalogue (struktural, fungsional, pelaksana) with rank ranges, education
minimums, competency standards and technical competencies, and employees with golongan,
education, assessments, SKP, training, sanctions and aspirations. Sized so each employee
has on the order of 200 lawful target posts, as the benchmarks specify."""

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from tatamutasi_matching.domain.model import (
    Aspiration,
    Assessment,
    Employee,
    Post,
    Sanction,
    SKPRecord,
    Training,
)
from tatamutasi_matching.domain.tables import COMPETENCY_KEYS, GOLONGAN

FIELDS = (
    "ekonomi", "akuntansi", "hukum", "kesehatan", "teknik informatika", "teknik sipil",
    "pendidikan", "pertanian", "administrasi", "sosial", "statistika", "komunikasi",
)  # fmt: skip
RUMPUN = (
    "keuangan", "hukum", "kesehatan", "informatika", "pekerjaan umum", "pendidikan",
    "pertanian", "kepegawaian", "sosial", "perencanaan",
)  # fmt: skip
TECHNICAL = tuple(f"T{i:02d}" for i in range(40))
LADDER = ("21", "22", "23", "24", "31", "32", "33", "34", "41", "42")
EDUCATION = ("15", "30", "40", "45")  # SLTA, D-III, S-1, S-2


@dataclass(frozen=True)
class SyntheticPemda:
    employees: list[Employee]
    posts: list[Post]
    effective: date


def generate(n: int, seed: int = 7, effective: date = date(2026, 7, 1)) -> SyntheticPemda:
    """`n` employees; about `n / 10` posts of ~10 seats (5 % vacant)."""
    rng = np.random.default_rng(seed)
    n_posts = max(20, n // 10)
    n_units = max(4, n_posts // 8)
    units = [f"OPD{u % max(2, n_units // 6):02d}-U{u:04d}" for u in range(n_units)]
    n_jabatan = max(10, n_posts // 6)
    catalogue: list[dict[str, object]] = []
    for j in range(n_jabatan):
        kind = int(rng.choice(3, p=(0.15, 0.35, 0.5)))
        lo = int(rng.integers(0, len(LADDER) - 1))
        hi = min(len(LADDER) - 1, lo + int(rng.integers(0, 2)))
        entry: dict[str, object] = {
            "jabatan_id": f"J{j:04d}",
            "name": f"Jabatan {j}",
            "min_education_level_id": EDUCATION[int(rng.integers(0, 3))],
            "education_rumpun": frozenset(
                str(f) for f in rng.choice(FIELDS, size=int(rng.integers(1, 4)), replace=False)
            ),
            "rumpun": RUMPUN[int(rng.integers(0, len(RUMPUN)))],
            "technical_competencies": frozenset(
                str(c) for c in rng.choice(TECHNICAL, size=int(rng.integers(0, 4)), replace=False)
            ),
            "golongan_min": LADDER[lo],
            "golongan_max": LADDER[hi],
            "jenis_jabatan": ("1", "2", "4")[kind],
        }
        if kind == 0:
            entry["eselon_id"] = ("31", "32", "41", "42")[int(rng.integers(0, 4))]
        elif kind == 1:
            entry["competency_standard"] = int(rng.integers(1, 4))
        catalogue.append(entry)
    posts: list[Post] = []
    seen: set[str] = set()
    for i in range(n_posts):
        unit = units[i % n_units]
        jab = catalogue[int(rng.integers(0, n_jabatan))]
        post_id = f"{unit}/{jab['jabatan_id']}"
        if post_id in seen:
            jab = catalogue[i % n_jabatan]
            post_id = f"{unit}/{jab['jabatan_id']}"
            if post_id in seen:
                continue
        seen.add(post_id)
        posts.append(
            Post(post_id=post_id, unor_id=unit, opd_id=unit.split("-")[0], **jab)  # type: ignore[arg-type]
        )
    n_posts = len(posts)
    seats = int(n * 1.05)
    cap = np.full(n_posts, seats // n_posts)
    cap[: seats - int(cap.sum())] += 1
    slots = rng.permutation(np.repeat(np.arange(n_posts), cap))[:n]
    posts = [
        Post(**{**p.__dict__, "capacity": int(c)})  # type: ignore[arg-type]
        for p, c in zip(posts, cap.tolist(), strict=True)
    ]
    employees = []
    for i in range(n):
        p = posts[int(slots[i])]
        lo, hi = LADDER.index(p.golongan_min or "21"), LADDER.index(p.golongan_max or "42")
        gol = LADDER[int(rng.integers(lo, hi + 1))]
        birth = 1966 + int(rng.integers(0, 35))
        nip = f"{birth}{i:010d}{1 + i % 2}{i * 7 % 1000:03d}"  # 18 digits, unique
        tmt = effective - timedelta(days=int(rng.integers(60, 365 * 8)))
        levels = {k: float(rng.integers(1, 5)) for k in COMPETENCY_KEYS}
        has_assessment = rng.random() < 0.8
        sanction = (
            (Sanction("sedang", effective - timedelta(days=100), effective + timedelta(days=200)),)
            if rng.random() < 0.02
            else ()
        )
        trainings = tuple(
            Training(f"Diklat {c}", effective.year - 1, 24, "3", str(c))
            for c in rng.choice(TECHNICAL, size=int(rng.integers(0, 3)), replace=False)
        )
        aspirations: tuple[Aspiration, ...] = ()
        if rng.random() < 0.2:
            picks = rng.choice(n_posts, size=3, replace=False)
            aspirations = tuple(
                Aspiration(r + 1, post_id=posts[int(q)].post_id) if r != 1
                else Aspiration(r + 1, unor_id=posts[int(q)].unor_id)
                for r, q in enumerate(picks.tolist())
            )  # fmt: skip
        field = FIELDS[int(rng.integers(0, len(FIELDS)))]
        employees.append(
            Employee(
                nip=nip,
                name=f"Pegawai {i}",
                current_post_id=p.post_id,
                unor_id=p.unor_id,
                kind="PPPK" if rng.random() < 0.05 else "PNS",
                sex="F" if rng.random() < 0.5 else "M",
                birth_year=birth,
                tmt_jabatan=tmt,
                tmt_cpns=date(2000 + int(rng.integers(0, 20)), 3, 1),
                golongan_id=gol if gol in GOLONGAN else None,
                education_level_id=EDUCATION[int(rng.integers(0, 4))],
                education_rumpun=field,
                kedudukan_id="01" if rng.random() < 0.99 else "92",
                tmt_pensiun=date(birth + 58, 2, 1),
                contract_end=date(effective.year + int(rng.integers(-1, 4)), 12, 31),
                skp=(
                    SKPRecord(effective.year - 2, int(rng.integers(1, 4))),
                    SKPRecord(effective.year - 1, int(rng.integers(1, 4))),
                ),
                sanctions=sanction,
                assessment=Assessment(
                    effective.year - 1,
                    potensi_total=float(rng.integers(40, 95)),
                    jpm=float(rng.integers(50, 100)),
                    levels=levels,
                )
                if has_assessment
                else None,
                trainings=trainings,
                technical_competencies=frozenset(
                    str(c)
                    for c in rng.choice(TECHNICAL, size=int(rng.integers(0, 4)), replace=False)
                ),
                field_years={RUMPUN[int(rng.integers(0, len(RUMPUN)))]: float(rng.integers(0, 9))},
                aspirations=aspirations,
            )
        )
    return SyntheticPemda(employees, posts, effective)
