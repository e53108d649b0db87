"""Journey 3 (Tim Penilai / PPK queue: review, decide, batch decisions), opening a round, and
journey 7 (round outcome report) over the matching service's workflow API."""

import asyncio
import io
from collections import Counter
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tatamutasi_platform.spreadsheets import SafeWorkbook
from tatamutasi_web import fmt
from tatamutasi_web.api import Api, ApiError
from tatamutasi_web.i18n import pick, t
from tatamutasi_web.problems import ShownProblem

if TYPE_CHECKING:
    from tatamutasi_web.app import Console

# Which state each role works on by default.
QUEUE_STATE = {"penilai": "submitted", "ppk": "reviewed", "admin": "draft", "operator": "draft"}
ACTIONS = ("submit", "review", "approve", "reject")


def default_state(roles: tuple[str, ...]) -> str:
    for role in ("penilai", "ppk", "admin", "operator"):
        if role in roles:
            return QUEUE_STATE[role]
    return "submitted"


def eligibility_of(history: list[dict[str, Any]]) -> Any:
    """The most recent eligibility result recorded on a transition (None if none yet)."""
    for item in reversed(history):
        if item.get("eligibility"):
            return item["eligibility"]
    return None


def decision_items(
    form_items: list[tuple[str, str]], etags: dict[str, str]
) -> list[dict[str, Any]]:
    """Batch form fields `decision_<id>` = approve|reject|'' → API items (skipping blanks)."""
    values = dict(form_items)
    items = []
    for key, value in form_items:
        if not key.startswith("decision_") or value not in ("approve", "reject"):
            continue
        pid = key[len("decision_") :]
        item: dict[str, Any] = {
            "proposal_id": pid,
            "decision": value,
            "if_match": etags.get(pid, ""),
        }
        reason = values.get(f"reason_{pid}", "").strip() or values.get("reason_all", "").strip()
        justification = (
            values.get(f"justification_{pid}", "").strip()
            or values.get("justification_all", "").strip()
        )
        if reason:
            item["reason"] = reason
        if justification:
            item["justification"] = justification
        items.append(item)
    return items


async def load_queue(api: Api, round_id: str | None, state: str | None) -> list[dict[str, Any]]:
    page = await api.get("matching", "/proposals", round_id=round_id, state=state, limit=100)
    items = page.get("items", [])

    async def detail(p: dict[str, Any]) -> dict[str, Any]:
        pid = quote(str(p["proposal_id"]))
        full, hist = await asyncio.gather(
            api.request("matching", "GET", f"/proposals/{pid}"),
            api.get("matching", f"/proposals/{pid}/history"),
        )
        out = full.json()
        out["etag"] = full.headers.get("etag") or out.get("etag")
        out["eligibility"] = eligibility_of(hist.get("items", []))
        return out

    return list(await asyncio.gather(*(detail(p) for p in items)))


def register(app: FastAPI, console: "Console") -> None:  # noqa: C901 - one place for routes
    from tatamutasi_web.app import PageError, checked_form, need, problem_of
    from tatamutasi_web.pages import name_maps, post_label, rounds_list

    render = console.render

    async def available(s: Any) -> None:
        if not await console.caps.has("matching", "GET /proposals"):
            raise PageError(404, t("error.not_available", s.lang, service="matching"))

    async def queue_view(request: Request, s: Any, status: int = 200, **extra: Any) -> Response:
        q = request.query_params
        round_id = q.get("round") or None
        state = q.get("state") if "state" in q else default_state(s.roles)
        api = console.api(s)
        items, names, rounds = await asyncio.gather(
            load_queue(api, round_id, state or None), name_maps(api), rounds_list(console, s)
        )
        return render(
            request,
            "queue.html",
            status,
            items=items,
            names=names,
            rounds=rounds,
            round_id=round_id or "",
            state=state or "",
            post_label=lambda p: post_label(
                f"{(p or {}).get('unor_id')}/{(p or {}).get('jabatan_id')}" if p else None, names
            ),
            **extra,
        )

    @app.get("/queue", response_class=HTMLResponse)
    async def queue(request: Request) -> Response:
        s = need(request, "admin", "operator", "penilai", "ppk", "auditor")
        await available(s)
        return await queue_view(request, s)

    @app.post("/queue/{proposal_id}/{action}", response_class=HTMLResponse)
    async def act(request: Request, proposal_id: str, action: str) -> Response:
        s = need(request, "admin", "operator", "penilai", "ppk")
        form = await checked_form(request)
        if action not in ACTIONS:
            raise PageError(404, action)
        body: dict[str, Any] = {}
        if action == "review":
            body = {"recommendation": str(form.get("recommendation") or "agree")}
            if form.get("notes"):
                body["notes"] = str(form.get("notes"))
        elif action in ("approve", "reject"):
            for key in ("reason", "justification"):
                if str(form.get(key) or "").strip():
                    body[key] = str(form.get(key)).strip()
        elif form.get("reason"):
            body["reason"] = str(form.get("reason"))
        try:
            await console.api(s).post(
                "matching",
                f"/proposals/{quote(proposal_id)}/{action}",
                body,
                headers={"If-Match": str(form.get("etag") or "")},
            )
        except ApiError as exc:
            if exc.status == 401:
                raise
            p = problem_of(exc, s.lang)
            return await queue_view(
                request, s, 422 if exc.status < 500 else 502, problem=p, failed=proposal_id
            )
        s.flash.append(f"{t('queue.decision', s.lang)}: {proposal_id[:8]} → {action}")
        back = "/queue"
        if request.url.query:
            back += "?" + request.url.query
        return RedirectResponse(back, 303)

    @app.post("/queue/submit-all", response_class=HTMLResponse)
    async def submit_all(request: Request) -> Response:
        s = need(request, "admin", "operator")
        form = await checked_form(request)
        round_id = str(form.get("round_id") or "") or None
        api = console.api(s)
        page = await api.get("matching", "/proposals", round_id=round_id, state="draft", limit=500)
        done = 0
        for p in page.get("items", []):
            try:
                await api.post(
                    "matching",
                    f"/proposals/{quote(p['proposal_id'])}/submit",
                    {},
                    headers={"If-Match": p.get("etag") or f'"{p.get("version")}"'},
                )
                done += 1
            except ApiError as exc:
                s.flash.append(f"{p['proposal_id'][:8]}: {problem_of(exc, s.lang).message}")
        s.flash.append(f"{t('queue.submitted', s.lang)}: {fmt.number(done, s.lang)}")
        return RedirectResponse(f"/queue?round={quote(round_id or '')}&state=submitted", 303)

    @app.post("/queue/batch", response_class=HTMLResponse)
    async def batch(request: Request) -> Response:
        s = need(request, "ppk", "admin")
        form = await checked_form(request)
        round_id = str(form.get("round_id") or "")
        pairs = [(k, str(v)) for k, v in form.multi_items()]
        etags = {k[len("etag_") :]: v for k, v in pairs if k.startswith("etag_")}
        items = decision_items(pairs, etags)
        if not round_id or not items:
            p = ShownProblem(422, t("queue.batch_empty", s.lang))
            return await queue_view(request, s, 422, problem=p)
        try:
            result = await console.api(s).post(
                "matching", f"/rounds/{quote(round_id)}/decisions", {"items": items}
            )
        except ApiError as exc:
            if exc.status == 401:
                raise
            return await queue_view(request, s, 422, problem=problem_of(exc, s.lang))
        names = await name_maps(console.api(s))
        nips = {k[len("nip_") :]: v for k, v in pairs if k.startswith("nip_")}
        return render(
            request, "batch.html", result=result, names=names, round_id=round_id, nips=nips
        )

    @app.post("/queue/{proposal_id}/objections/{objection_id}/answer", response_class=HTMLResponse)
    async def answer(request: Request, proposal_id: str, objection_id: str) -> Response:
        s = need(request, "admin", "penilai")
        form = await checked_form(request)
        body = {
            "outcome": str(form.get("outcome") or "dismissed"),
            "answer": str(form.get("answer") or "").strip(),
        }
        try:
            await console.api(s).post(
                "matching",
                f"/proposals/{quote(proposal_id)}/objections/{quote(objection_id)}/answer",
                body,
            )
        except ApiError as exc:
            if exc.status == 401:
                raise
            return await queue_view(
                request, s, 422, problem=problem_of(exc, s.lang), failed=proposal_id
            )
        s.flash.append(t("queue.answered", s.lang))
        return RedirectResponse("/queue?state=", 303)

    # -- rounds: open one (journey 2), outcome report (journey 7) ------------------------------
    @app.post("/rounds", response_class=HTMLResponse)
    async def open_round(request: Request) -> Response:
        s = need(request, "admin")
        form = await checked_form(request)
        name = str(form.get("name") or "").strip()
        tmt_text = str(form.get("planned_tmt") or "")
        tmt = fmt.parse_day(tmt_text)
        body: dict[str, Any] = {"name": name}
        if tmt_text:
            body["planned_tmt"] = tmt.isoformat() if tmt else tmt_text
        try:
            out = await console.api(s).post("matching", "/rounds", body)
        except ApiError as exc:
            if exc.status == 401:
                raise
            p = problem_of(exc, s.lang)
            s.flash.append(p.message + " " + " ".join(p.fields.values()))
            return RedirectResponse("/plans#round", 303)
        s.flash.append(f"{t('plans.round', s.lang)}: {out.get('name')}")
        return RedirectResponse("/plans#round", 303)

    @app.get("/rounds/{round_id}/report", response_class=HTMLResponse)
    async def round_report(request: Request, round_id: str) -> Response:
        s = need(request, "admin", "penilai", "ppk", "auditor")
        await available(s)
        report = await build_report(console.api(s), round_id, s.lang)
        return render(request, "report.html", r=report)

    @app.get("/rounds/{round_id}/report.xlsx")
    async def round_report_xlsx(request: Request, round_id: str) -> Response:
        s = need(request, "admin", "penilai", "ppk", "auditor")
        await available(s)
        report = await build_report(console.api(s), round_id, s.lang)
        return Response(
            report_xlsx(report, s.lang),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={
                "Content-Disposition": f'attachment; filename="laporan-putaran-{round_id[:8]}.xlsx"'
            },
        )

    @app.post("/rounds/{round_id}/execute", response_class=HTMLResponse)
    async def execute_round(request: Request, round_id: str) -> Response:
        s = need(request, "admin")
        form = await checked_form(request)
        body: dict[str, Any] = {"sk_number": str(form.get("sk_number") or "").strip()}
        for key in ("sk_date", "tmt"):
            text = str(form.get(key) or "")
            day = fmt.parse_day(text)
            body[key] = day.isoformat() if day else text
        try:
            out = await console.api(s).post("matching", f"/rounds/{quote(round_id)}/execute", body)
        except ApiError as exc:
            if exc.status == 401:
                raise
            p = problem_of(exc, s.lang)
            report = await build_report(console.api(s), round_id, s.lang)
            return render(request, "report.html", 422, r=report, problem=p)
        s.flash.append(
            f"{t('round.executed', s.lang)}: {fmt.number(out.get('executed'), s.lang)}"
            + (
                f" ({t('queue.refused', s.lang)}: {fmt.number(out.get('refused'), s.lang)})"
                if out.get("refused")
                else ""
            )
        )
        for item in out.get("results", []):
            if item.get("status") != 200:
                detail = item.get("detail_en") if s.lang == "en" else item.get("detail_id")
                s.flash.append(f"{item.get('proposal_id', '')[:8]}: {detail}")
        return RedirectResponse(f"/rounds/{quote(round_id)}/report", 303)

    @app.get("/rounds", response_class=HTMLResponse)
    async def rounds_page(request: Request) -> Response:
        s = need(request, "admin", "penilai", "ppk", "auditor")
        await available(s)
        return render(request, "rounds.html", rounds=await rounds_list(console, s))


def skp_around(history: list[dict[str, Any]], tmt: str | None) -> tuple[Any, Any]:
    """(predikat of the last SKP year before the TMT year, of the first year from it on)."""
    if not tmt:
        return None, None
    year = int(tmt[:4])
    by_year: dict[int, Any] = {}
    for row in history:
        y = row.get("year") or row.get("tahun")
        if isinstance(y, int):
            by_year[y] = row.get("predikat_name") or row.get("predikat")
    before = [y for y in by_year if y < year]
    after = [y for y in by_year if y >= year]
    return (by_year[max(before)] if before else None, by_year[min(after)] if after else None)


async def build_report(api: Api, round_id: str, lang: str) -> dict[str, Any]:
    """What became of a round: moved employees' SKP before/after, vacancies filled, gap change
    per OPD (at the planned TMT's eve vs today), objections and their outcomes."""
    from tatamutasi_web.pages import name_maps, post_label

    view = await api.get("matching", f"/rounds/{quote(round_id)}")
    page = await api.get("matching", "/proposals", round_id=round_id, limit=500)
    items = page.get("items", [])
    executed = [p for p in items if p.get("state") == "executed"]
    names = await name_maps(api)

    async def detail(p: dict[str, Any]) -> dict[str, Any]:
        full = await api.get("matching", f"/proposals/{quote(p['proposal_id'])}")
        try:
            skp = await api.get("pegawai", f"/pegawai/{p['nip']}/skp")
        except ApiError:
            skp = {}
        hist = skp.get("items", skp) if isinstance(skp, dict) else skp
        tmt = ((full.get("execution") or {}).get("tmt")) or full.get("planned_tmt")
        before, after = skp_around(list(hist or []), tmt)
        return {**full, "skp_before": before, "skp_after": after, "tmt": tmt}

    moved = list(await asyncio.gather(*(detail(p) for p in executed)))
    objections: list[dict[str, Any]] = []
    for p in items:
        if p.get("objections"):
            objections.extend(p["objections"])
    if not objections:
        fulls = await asyncio.gather(
            *(api.get("matching", f"/proposals/{quote(p['proposal_id'])}") for p in items)
        )
        for f in fulls:
            objections.extend(f.get("objections") or [])
    eve = eve_of_round(moved, view.get("planned_tmt"), date.today())
    change, vacant = await asyncio.gather(gap_change(api, eve), vacant_posts(api, eve))
    gap_rows = change_rows(change)
    vacancies_filled = filled_vacancies(moved, vacant)
    return {
        "round": view,
        "moved": [
            {
                **m,
                "name": names["pegawai"].get(m["nip"], m["nip"]),
                "from": post_label(_post(m.get("from_post")), names),
                "to": post_label(_post(m.get("to_post")), names),
            }
            for m in moved
        ],
        "gaps": gap_rows,
        "gap_change": change,
        "vacancies_filled": vacancies_filled,
        "objections": objections,
        "objection_outcomes": dict(Counter(str(o.get("status")) for o in objections)),
        "by_state": (view.get("proposals") or {}).get("by_state", {}),
        "lang": lang,
        "pick": pick,
    }


def eve_of_round(moved: list[dict[str, Any]], planned_tmt: str | None, today: date) -> date:
    """The last day before the round changed anything: the eve of its first TMT, or of its
    first execution when the SK was executed before the TMT (the registry moves people when
    the SK is executed); for a round not executed yet, the eve of its planned TMT (or today,
    whichever is earlier)."""
    days = []
    for m in moved:
        x = m.get("execution") or {}
        for value in (m.get("tmt"), x.get("executed_at"), x.get("sk_date")):
            if isinstance(value, str) and len(value) >= 10:
                days.append(date.fromisoformat(value[:10]))
    if not days and planned_tmt:
        days.append(date.fromisoformat(planned_tmt[:10]))
    if not days:
        return today
    return min(date.fromordinal(min(days).toordinal() - 1), today)


async def gap_change(api: Api, eve: date) -> dict[str, Any] | None:
    """Formasi's gap change per OPD (`GET /gaps/change`) from the round's eve to today; None
    when formasi cannot answer."""
    try:
        data: dict[str, Any] = await api.get("formasi", "/gaps/change", before=eve.isoformat())
    except ApiError:
        return None
    return data


def change_rows(change: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Report rows from formasi's change per OPD: vacancies (kekurangan) before and now, the
    change, and filled and over as formasi counted them."""
    rows = []
    for r in (change or {}).get("by_opd", []):
        before, after = r.get("before") or {}, r.get("after") or {}
        rows.append(
            {
                "key": r.get("key"),
                "opd": r.get("name") or r.get("key"),
                "vacant_before": before.get("vacant"),
                "vacant_now": after.get("vacant"),
                "change": r.get("vacant_change"),
                "filled_change": r.get("filled_change"),
                "over_change": r.get("over_change"),
            }
        )
    return rows


async def vacant_posts(api: Api, eve: date) -> Counter[tuple[str, str]]:
    """Vacant seats per post (unit, jabatan) on the round's eve (formasi's gap report)."""
    try:
        data = await api.get(
            "formasi", "/gaps", as_of=eve.isoformat(), only_gaps="true", limit=50000
        )
    except ApiError:
        return Counter()
    return Counter(
        {
            (str(p["unit_id"]), str(p["jabatan_id"])): int(p.get("vacant") or 0)
            for p in data.get("posts", [])
            if p.get("vacant")
        }
    )


def filled_vacancies(moved: list[dict[str, Any]], vacant: Counter[tuple[str, str]]) -> int:
    """Moves into a post that had a vacant seat on the eve (each seat counted once)."""
    left = Counter(vacant)
    filled = 0
    for m in moved:
        post = m.get("to_post") or {}
        key = (str(post.get("unor_id")), str(post.get("jabatan_id")))
        if left[key] > 0:
            left[key] -= 1
            filled += 1
    return filled


def _post(p: dict[str, Any] | None) -> str | None:
    return f"{p.get('unor_id')}/{p.get('jabatan_id')}" if p else None


def report_xlsx(report: dict[str, Any], lang: str) -> bytes:
    buf = io.BytesIO()
    wb = SafeWorkbook(buf)  # every text cell neutralised (objection texts come from users)
    bold = wb.add_format({"bold": True})
    ws = wb.add_worksheet("Pegawai dimutasi" if lang == "id" else "Moved")
    heads = [
        t("field.nip", lang),
        t("field.name", lang),
        t("plans.from", lang),
        t("plans.to", lang),
        "TMT",
        "SKP " + ("sebelum" if lang == "id" else "before"),
        "SKP " + ("sesudah" if lang == "id" else "after"),
    ]
    ws.write_row(0, 0, heads, bold)
    for i, m in enumerate(report["moved"], start=1):
        ws.write_row(
            i,
            0,
            [
                m["nip"],
                m["name"],
                m["from"],
                m["to"],
                fmt.day(m.get("tmt")),
                str(m.get("skp_before") or "–"),
                str(m.get("skp_after") or "–"),
            ],
        )
    ws2 = wb.add_worksheet("Perubahan kekurangan" if lang == "id" else "Gap change")
    change = report.get("gap_change") or {}
    ws2.write_row(
        0,
        0,
        [
            t("gaps.opd", lang),
            ("Sebelum" if lang == "id" else "Before") + f" ({fmt.day(change.get('before'))})",
            ("Sekarang" if lang == "id" else "Now") + f" ({fmt.day(change.get('after'))})",
            "Δ",
            "Δ " + t("gaps.filled", lang),
        ],
        bold,
    )
    for i, g in enumerate(report["gaps"], start=1):
        ws2.write_row(
            i,
            0,
            [
                g["opd"],
                g["vacant_before"] or 0,
                g["vacant_now"] or 0,
                g["change"] or 0,
                g["filled_change"] or 0,
            ],
        )
    ws3 = wb.add_worksheet("Keberatan" if lang == "id" else "Objections")
    ws3.write_row(
        0,
        0,
        [t("field.nip", lang), t("common.reason", lang), t("common.status", lang), "Jawaban"],
        bold,
    )
    for i, o in enumerate(report["objections"], start=1):
        ws3.write_row(i, 0, [o.get("nip"), o.get("reason"), o.get("status"), o.get("answer") or ""])
    wb.close()
    return buf.getvalue()
