"""A plan as an .xlsx workbook for the Tim Penilai Kinerja meeting: a summary with the
hashes that identify the plan, every move with its score breakdown, rule outcomes and the
runners-up for the post, the rules with their citations, the fairness figures and the
constraints that could not be met.

Every text cell is written as a string (never a formula) and values a spreadsheet would
evaluate (=, +, -, @, tab, CR first) get a leading apostrophe, so nothing in the data can
run as a formula even after a copy to CSV; NIPs are text cells so no digit is lost."""

import io
from collections.abc import Mapping, Sequence
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from tatamutasi_matching.domain.eligibility import RULES
from tatamutasi_matching.domain.scoring import COMPONENTS
from tatamutasi_platform.spreadsheets import neutralise

TITLE = "RENCANA MUTASI — BAHAN RAPAT TIM PENILAI KINERJA"
COMPONENT_LABELS = {
    "competence": "Kompetensi",
    "education": "Pendidikan",
    "ninebox": "9-box",
    "experience": "Pengalaman",
    "tenure": "Masa jabatan",
    "aspiration": "Aspirasi",
}


class _Sheet:
    def __init__(self, wb: Workbook, name: str, headers: Sequence[tuple[str, int]]) -> None:
        self.ws: Worksheet = wb.add_worksheet(name)
        self.head = wb.add_format(
            {"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "border": 1,
             "text_wrap": True, "valign": "vcenter"}
        )  # fmt: skip
        self.cell = wb.add_format({"border": 1, "valign": "top", "text_wrap": True})
        self.text = wb.add_format({"border": 1, "valign": "top", "num_format": "@"})
        self.num = wb.add_format({"border": 1, "valign": "top", "num_format": "#,##0.##"})
        self.title = wb.add_format({"bold": True, "font_size": 13})
        self.ws.write_string(0, 0, TITLE, self.title)
        for col, (label, width) in enumerate(headers):
            self.ws.write_string(2, col, label, self.head)
            self.ws.set_column(col, col, width)
        if headers:
            self.ws.freeze_panes(3, 0)
            self.ws.autofilter(2, 0, 2, len(headers) - 1)
        self.ws.set_landscape()
        self.ws.set_paper(9)
        self.ws.fit_to_pages(1, 0)
        self.ws.repeat_rows(2)
        self.row = 3

    def put(self, values: Sequence[Any], *, text_cols: frozenset[int] = frozenset()) -> None:
        for col, v in enumerate(values):
            if v is None:
                self.ws.write_blank(self.row, col, None, self.cell)
            elif isinstance(v, bool):
                self.ws.write_string(self.row, col, "ya" if v else "tidak", self.cell)
            elif isinstance(v, int | float) and col not in text_cols:
                self.ws.write_number(self.row, col, v, self.num)
            else:
                fmt = self.text if col in text_cols else self.cell
                self.ws.write_string(self.row, col, neutralise(str(v)), fmt)
        self.row += 1


def _rules_text(detail: Mapping[str, Any], status: str) -> str:
    return ", ".join(detail.get("rules", {}).get(status, []))


def _move_row(
    k: int, move: Mapping[str, Any], explained: Mapping[str, Any] | None, names: Mapping[str, str]
) -> list[Any]:
    detail = (explained or {}).get("detail") or {}
    parts = {c["name"]: c.get("contribution") for c in detail.get("components", [])}
    warnings = "; ".join(
        f"{w['code']} ({w['severity']}, {w['status']}): {w['detail']['id']}"
        for w in detail.get("warnings", [])
    )
    training = ", ".join(
        f"{t['competency']} → {t['jenis_diklat']}" for t in detail.get("training", [])
    )
    alts = list((explained or {}).get("alternatives", []))
    runners: list[str | None] = [
        f"{a['employee']} {names.get(a['employee'], '')} (skor {a['score']}): {a['reason']['id']}"
        for a in alts
    ]
    runners += [None] * (3 - len(runners))
    return [
        k,
        move["employee"],
        names.get(move["employee"], ""),
        move["from"],
        move["to"],
        move["score"],
        move["stay_score"],
        move["gain"],
        (explained or {}).get("preference_rank"),
        *[parts.get(c) for c in COMPONENTS],
        _rules_text(detail, "passed"),
        _rules_text(detail, "waived"),
        warnings,
        ", ".join(detail.get("missing", [])),
        training,
        *runners[:3],
    ]


def plan_workbook(row: Any, result: Mapping[str, Any], names: Mapping[str, str]) -> bytes:
    """The workbook of a finished plan (`row`: the plan record; `names`: NIP → name)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    prov = result["provenance"]
    meta = prov.get("meta", {})
    summary = _Sheet(wb, "Ringkasan", [("Keterangan", 34), ("Nilai", 90)])
    for label, value in (
        ("ID rencana", row.plan_id),
        ("Skenario", row.scenario or "-"),
        ("Mode", result["mode"]),
        ("Status", result["status"]),
        ("Tanggal berlaku (TMT)", meta.get("effective", "-")),
        ("Total skor rencana", result["objective"]),
        ("Total skor bila semua tetap", result["baseline_objective"]),
        ("Jumlah pegawai", result["employees"]),
        ("Jumlah mutasi", result["moves_count"]),
        ("Kendala tidak terpenuhi", len(result["unmet"])),
        ("Dibuat oleh", row.created_by),
        ("Dibuat pada", row.created_at),
        ("SHA-256 masukan", row.input_sha256),
        ("SHA-256 konfigurasi", row.config_sha256),
        ("SHA-256 hasil", row.result_sha256),
        ("Versi aturan", meta.get("rules", {}).get("ruleset", "-")),
        ("Versi skor", meta.get("scoring", {}).get("version", "-")),
        ("Versi 9-box", meta.get("ninebox", {}).get("version", "-")),
        ("Pemecah", f"{prov['solver']['name']} {prov['solver']['version']}"),
    ):
        summary.put([label, value], text_cols=frozenset({1}))

    explained = {m["employee"]: m for m in result.get("explanations", {}).get("moves", [])}
    headers = [
        ("No", 5), ("NIP", 21), ("Nama", 26), ("Dari jabatan", 28), ("Ke jabatan", 28),
        ("Skor", 8), ("Skor tetap", 9), ("Selisih", 8), ("Aspirasi ke-", 9),
        *[(f"{COMPONENT_LABELS[c]} (kontribusi)", 12) for c in COMPONENTS],
        ("Aturan lulus", 30), ("Aturan dikecualikan", 18), ("Peringatan", 45),
        ("Syarat belum dipenuhi", 30), ("Rekomendasi diklat", 30),
        ("Kandidat lain 1", 40), ("Kandidat lain 2", 40), ("Kandidat lain 3", 40),
    ]  # fmt: skip
    moves = _Sheet(wb, "Mutasi", headers)
    for k, move in enumerate(result["moves"], start=1):
        row_values = _move_row(k, move, explained.get(move["employee"]), names)
        moves.put(row_values, text_cols=frozenset({1}))

    rules = _Sheet(
        wb, "Aturan", [("Kode", 24), ("Versi", 7), ("Sifat", 8), ("Dasar hukum", 50),
                       ("Penjelasan", 70), ("Explanation", 70)]
    )  # fmt: skip
    for r in RULES:
        rules.put([r.code, r.version, r.severity, r.citation, r.explanation_id, r.explanation_en])

    fairness = result["fairness"]
    fair = _Sheet(wb, "Keadilan", [("Ukuran", 40), ("Kelompok", 28), ("Pegawai", 12),
                                   ("Mutasi", 12)])  # fmt: skip
    fair.put(["Iri yang beralasan (justified envy)", "-", fairness["justified_envy"]["count"]])
    for pair in fairness["justified_envy"]["pairs"]:
        fair.put(
            ["  pasangan iri", f"{pair['employee']} → {pair['post']}"], text_cols=frozenset({1})
        )
    against = fairness["moves_against_stated_preference"]
    fair.put(["Mutasi bertentangan dengan aspirasi", "-", against["count"]])
    fair.put(["Mutasi tanpa aspirasi tercatat", "-", fairness["moves_without_stated_preference"]])
    labels = {"opd": "OPD", "golongan": "Golongan", "sex": "Jenis kelamin", "age_band": "Usia"}
    for key, groups in fairness["distribution"].items():
        for value, counts in groups.items():
            fair.put(
                [f"Sebaran mutasi per {labels.get(key, key)}", value, counts["employees"],
                 counts["moves"]],
                text_cols=frozenset({1}),
            )  # fmt: skip

    unmet = _Sheet(wb, "Kendala", [("Kendala", 18), ("Jabatan", 30), ("Kursi", 8),
                                   ("Terisi", 8), ("Alasan", 70), ("Reason", 70)])  # fmt: skip
    for u in result["unmet"]:
        unmet.put(
            [u["constraint"], u.get("post", "-"), u.get("seats", u.get("limit")),
             u.get("filled", u.get("moves")), u["reason"]["id"], u["reason"]["en"]]
        )  # fmt: skip
    for o in result["overstaffed_posts"]:
        unmet.put(
            ["kelebihan pegawai", o["post"], o["capacity"], o["holders"],
             "pemangku lebih banyak dari formasi; tidak ada yang dipindah paksa",
             "more holders than formasi seats; nobody is pushed out"]
        )  # fmt: skip
    wb.close()
    return buf.getvalue()
