"""The pages of the console, one group per journey. Every call goes to a service's public API
with the user's token; API problems are shown in the user's language, next to the field."""

import asyncio
import re
import time
from collections import Counter
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from tatamutasi_web import charts, fmt
from tatamutasi_web.api import Api, ApiError
from tatamutasi_web.i18n import LANGS, pick, t
from tatamutasi_web.oidc import OidcError, roles_from_claims, unverified_claims
from tatamutasi_web.problems import ShownProblem, row_error, show_problem

if TYPE_CHECKING:
    from tatamutasi_web.app import Console

FLAG_STATUS = ("open", "acknowledged", "dismissed", "confirmed")
MOVES_PAGE = 100  # moves per page on a plan page (a province plan has thousands)
NIP_RE = re.compile(r"^\d{18}$")
WEIGHTS = ("competence", "education", "ninebox", "experience", "tenure", "aspiration")
DEFAULT_WEIGHTS = {
    "competence": 0.30,
    "education": 0.20,
    "ninebox": 0.15,
    "experience": 0.15,
    "tenure": 0.10,
    "aspiration": 0.10,
}


def _safe_next(url: str | None) -> str | None:
    if url and url.startswith("/") and not url.startswith("//"):
        return url
    return None


async def attempt(api_call: Any, lang: str) -> tuple[Any, ShownProblem | None]:
    """Await an API call; a failure becomes a problem to show on the page."""
    from tatamutasi_web.app import problem_of

    try:
        return await api_call, None
    except ApiError as exc:
        return None, problem_of(exc, lang)


def register(app: FastAPI, console: "Console") -> None:  # noqa: C901 - one place for routes
    from tatamutasi_web.app import Redirect, checked_form, need, session_of, set_session

    render = console.render

    # -- login, language -----------------------------------------------------------------
    @app.get("/", include_in_schema=False)
    async def root(request: Request) -> Response:
        s = session_of(request)
        if not s.logged_in:
            return RedirectResponse("/login", 303)
        return RedirectResponse(HOME_FOR(s.roles), 303)

    @app.get("/login", response_class=HTMLResponse)
    async def login_page(request: Request) -> Response:
        from tatamutasi_web.app import LOGIN_ROLES

        return render(
            request,
            "login.html",
            roles=LOGIN_ROLES,
            dev=console.settings.dev_login,
            oidc=console.oidc is not None,
            next=_safe_next(request.query_params.get("next")) or "",
            expired=bool(request.query_params.get("expired")),
            errors={},
            values={},
        )

    @app.post("/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        from tatamutasi_web.app import DEV_USERS, LOGIN_ROLES, PageError

        form = await checked_form(request)
        s = session_of(request)
        if not console.settings.dev_login:
            raise PageError(403, t("login.disabled", s.lang))
        role = str(form.get("role") or "")
        nip = str(form.get("nip") or "").strip()
        errors: dict[str, str] = {}
        if role not in DEV_USERS:
            errors["role"] = t("login.role_unknown", s.lang)
        elif role == "pegawai" and not NIP_RE.match(nip):
            errors["nip"] = t("login.nip_required", s.lang)
        if errors:
            return render(
                request,
                "login.html",
                422,
                roles=LOGIN_ROLES,
                dev=True,
                oidc=console.oidc is not None,
                next=str(form.get("next") or ""),
                expired=False,
                errors=errors,
                values={"role": role, "nip": nip},
            )
        user = DEV_USERS[role]
        sub = nip if role == "pegawai" else user["sub"]
        name = user["name"] or f"Pegawai {nip}"
        units = list(user.get("units", []))
        token = console.dev_token(role, sub, name, units, nip or None)
        new = console.sessions.rotate(
            s, token=token, sub=sub, name=name, roles=(role,), units=tuple(units), nip=nip or None
        )
        set_session(request, new)
        target = _safe_next(str(form.get("next") or "")) or HOME_FOR((role,))
        return RedirectResponse(target, 303)

    @app.get("/auth/oidc")
    async def oidc_start(request: Request) -> Response:
        from tatamutasi_web.app import PageError

        s = session_of(request)
        if console.oidc is None:
            raise PageError(404, t("login.oidc_failed", s.lang))
        try:
            url, remembered = await console.oidc.authorization_url(console.http)
        except (OidcError, KeyError) as exc:
            raise PageError(502, f"{t('login.oidc_failed', s.lang)}: {exc}") from exc
        s.oidc = remembered
        return RedirectResponse(url, 303)

    @app.get("/auth/callback")
    async def oidc_callback(request: Request) -> Response:
        from tatamutasi_web.app import PageError

        s = session_of(request)
        if console.oidc is None:
            raise PageError(404, t("login.oidc_failed", s.lang))
        code = request.query_params.get("code") or ""
        state = request.query_params.get("state") or ""
        try:
            got = await console.oidc.exchange(console.http, code, state, s.oidc)
            access_claims = unverified_claims(got["access_token"])
        except OidcError as exc:
            raise PageError(401, f"{t('login.oidc_failed', s.lang)}: {exc}") from exc
        claims = {**access_claims, **got["claims"]}
        roles = roles_from_claims(access_claims, console.oidc.client_id) or roles_from_claims(
            got["claims"], console.oidc.client_id
        )
        new = console.sessions.rotate(
            s,
            token=got["access_token"],
            id_token=got["id_token"],
            sub=str(claims.get("sub")),
            name=str(claims.get("name") or claims.get("preferred_username") or claims.get("sub")),
            roles=tuple(roles),
            units=tuple(access_claims.get("units") or ()),
            nip=access_claims.get("nip"),
        )
        set_session(request, new)
        return RedirectResponse(HOME_FOR(tuple(roles)), 303)

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        await checked_form(request)
        s = session_of(request)
        id_token = s.id_token
        new = console.sessions.rotate(s)
        set_session(request, new)
        target = "/login"
        if console.oidc is not None and id_token:
            back = (console.settings.oidc_redirect_url or "").rsplit("/auth/", 1)[0] + "/login"
            target = await console.oidc.logout_url(console.http, id_token, back)
        return RedirectResponse(target, 303)

    @app.post("/lang")
    async def switch_lang(request: Request) -> Response:
        form = await checked_form(request)
        s = session_of(request)
        lang = str(form.get("lang") or "")
        s.lang = lang if lang in LANGS else ("en" if s.lang == "id" else "id")
        return RedirectResponse(_safe_next(str(form.get("next") or "")) or "/", 303)

    # -- journey 6: dashboard --------------------------------------------------------------
    @app.get("/dashboard", response_class=HTMLResponse)
    async def dashboard(request: Request) -> Response:
        s = need(request)
        data = await dashboard_data(console, s)
        return render(request, "dashboard.html", data=data)

    @app.get("/dashboard/data.json")
    async def dashboard_json(request: Request) -> Response:
        s = need(request)
        data = await dashboard_data(console, s)
        return JSONResponse(data, headers={"Cache-Control": "no-store"})

    # -- journey 1: import, SIASN, gaps --------------------------------------------------------
    @app.get("/import", response_class=HTMLResponse)
    async def import_page(request: Request) -> Response:
        s = need(request, "admin")
        siasn = await siasn_view(console, s)
        return render(request, "import.html", result=None, problem=None, siasn=siasn)

    @app.post("/import", response_class=HTMLResponse)
    async def import_run(request: Request) -> Response:
        s = need(request, "admin")
        form = await checked_form(request)
        upload = form.get("file")
        dry = str(form.get("action") or "dry_run") != "run"
        problem: ShownProblem | None = None
        result: dict[str, Any] | None = None
        if not isinstance(upload, UploadFile) or not upload.filename:
            problem = ShownProblem(
                422, t("import.need_file", s.lang), {"file": t("import.need_file", s.lang)}
            )
        else:
            content = await upload.read()
            ctype = upload.content_type or "application/octet-stream"
            try:
                r = await console.api(s).request(
                    "pegawai",
                    "POST",
                    "/import/pegawai",
                    params={"dry_run": "true" if dry else "false"},
                    files={"file": (upload.filename, content, ctype)},
                )
                result = r.json()
            except ApiError as exc:
                body = exc.body if isinstance(exc.body, dict) else {}
                if "rows" in body or any(
                    "row" in e for e in body.get("errors", []) if isinstance(e, dict)
                ):
                    result = body
                from tatamutasi_web.app import problem_of

                problem = problem_of(exc, s.lang)
        rows = [
            row_error(e, s.lang) for e in (result or {}).get("errors", []) if isinstance(e, dict)
        ]
        status = 200 if problem is None else (problem.status if problem.status < 500 else 502)
        siasn = await siasn_view(console, s)
        return render(
            request,
            "import.html",
            status,
            result=result,
            rows=rows,
            dry=dry,
            problem=problem,
            filename=getattr(upload, "filename", ""),
            siasn=siasn,
        )

    @app.get("/import/template")
    async def import_template(request: Request) -> Response:
        s = need(request, "admin")
        r = await console.api(s).request("pegawai", "GET", "/import/pegawai/template")
        return Response(
            r.content,
            media_type=r.headers.get("content-type"),
            headers={"Content-Disposition": 'attachment; filename="templat-pegawai.xlsx"'},
        )

    @app.post("/siasn/sync", response_class=HTMLResponse)
    async def siasn_start(request: Request) -> Response:
        s = need(request, "admin")
        form = await checked_form(request)
        nips = [n for n in re.split(r"[\s,;]+", str(form.get("nips") or "")) if n]
        body: dict[str, Any] = {"nips": nips, "unor": form.get("unor") == "on"}
        data, problem = await attempt(console.api(s).post("pegawai", "/siasn/sync", body), s.lang)
        if problem is not None:
            siasn = await siasn_view(console, s)
            status = problem.status if problem.status < 500 else 502
            return render(
                request,
                "import.html",
                status,
                result=None,
                problem=None,
                siasn=siasn,
                siasn_problem=problem,
                siasn_nips=" ".join(nips),
            )
        return RedirectResponse(f"/import?job={quote(str((data or {}).get('id', '')))}#siasn", 303)

    @app.get("/siasn/sync/{job_id}.json")
    async def siasn_job(request: Request, job_id: str) -> Response:
        s = need(request, "admin")
        data = await console.api(s).get("pegawai", f"/siasn/sync/{quote(job_id)}")
        return JSONResponse(data, headers={"Cache-Control": "no-store"})

    @app.get("/gaps", response_class=HTMLResponse)
    async def gaps(request: Request) -> Response:
        s = need(request, "admin", "operator", "auditor", "ppk", "penilai")
        as_of_text = request.query_params.get("as_of") or ""
        as_of = fmt.parse_day(as_of_text)
        problem = None
        if as_of_text and as_of is None:
            problem = ShownProblem(422, t("gaps.as_of", s.lang), {"as_of": "dd-mm-yyyy"})
        data = await console.api(s).get(
            "formasi", "/gaps", as_of=as_of.isoformat() if as_of else None, retiring_months=12
        )
        retiring = Counter(str(r.get("opd_name") or "") for r in data.get("retiring", []))
        rows = []
        for o in data.get("by_opd", []):
            rows.append({**o, "retiring": retiring.get(str(o.get("name")), 0)})
        chart = charts.gap_bars(rows, s.lang)
        return render(
            request,
            "gaps.html",
            data=data,
            rows=rows,
            chart=chart,
            as_of=as_of_text,
            problem=problem,
        )

    @app.get("/gaps/export.xlsx")
    async def gaps_export(request: Request) -> Response:
        s = need(request, "admin", "operator", "auditor", "ppk", "penilai")
        as_of = fmt.parse_day(request.query_params.get("as_of") or "")
        r = await console.api(s).request(
            "formasi",
            "GET",
            "/gaps/export.xlsx",
            params={"as_of": as_of.isoformat() if as_of else None},
        )
        return Response(
            r.content,
            media_type=r.headers.get("content-type"),
            headers={"Content-Disposition": 'attachment; filename="laporan-formasi.xlsx"'},
        )

    # -- journey 2: planning --------------------------------------------------------------------
    @app.get("/plans", response_class=HTMLResponse)
    async def plans_page(request: Request) -> Response:
        s = need(request, "admin", "penilai", "ppk", "auditor")
        rounds, plans = await asyncio.gather(rounds_list(console, s), plans_list(console, s))
        return render(
            request,
            "plans.html",
            plans=plans,
            problem=None,
            values={"mode": "optimal", "weights": DEFAULT_WEIGHTS},
            weights=WEIGHTS,
            rounds=rounds,
        )

    @app.post("/plans", response_class=HTMLResponse)
    async def plans_run(request: Request) -> Response:
        s = need(request, "admin")
        form = await checked_form(request)
        values: dict[str, Any] = {
            k: str(form.get(k) or "") for k in ("scenario", "effective", "mode", "max_moves")
        }
        weights: dict[str, float] = {}
        fields: dict[str, str] = {}
        for w in WEIGHTS:
            raw = str(form.get(f"w_{w}") or "").replace(",", ".").strip()
            try:
                weights[w] = float(raw) if raw else DEFAULT_WEIGHTS[w]
            except ValueError:
                fields[f"weights.{w}"] = t("plans.value", s.lang) + ": ?"
        values["weights"] = weights
        effective = fmt.parse_day(values["effective"])
        body: dict[str, Any] = {
            "mode": values["mode"] or "optimal",
            "effective": effective.isoformat() if effective else values["effective"],
            "scenario": values["scenario"] or None,
        }
        if values["max_moves"]:
            body["max_moves"] = values["max_moves"]
        if weights != DEFAULT_WEIGHTS:
            body["weights"] = weights
        problem = None
        if not fields:
            data, problem = await attempt(console.api(s).post("matching", "/plans", body), s.lang)
            if problem is None:
                return RedirectResponse(f"/plans/{quote(str(data['plan_id']))}", 303)
        else:
            problem = ShownProblem(422, t("plans.weights", s.lang), fields)
        rounds, plans = await asyncio.gather(rounds_list(console, s), plans_list(console, s))
        return render(
            request,
            "plans.html",
            422 if problem and problem.status < 500 else 502,
            plans=plans,
            problem=problem,
            values=values,
            weights=WEIGHTS,
            rounds=rounds,
        )

    @app.get("/plans/compare", response_class=HTMLResponse)
    async def plans_compare(request: Request) -> Response:
        s = need(request, "admin", "penilai", "ppk", "auditor")
        a = request.query_params.get("a") or ""
        b = request.query_params.get("b") or ""
        if not a or not b:
            raise Redirect("/plans")
        api = console.api(s)
        diff, pa, pb, names = await asyncio.gather(
            api.get("matching", f"/plans/{quote(a)}/diff/{quote(b)}"),
            api.get("matching", f"/plans/{quote(a)}"),
            api.get("matching", f"/plans/{quote(b)}"),
            name_maps(api),
        )
        return render(
            request,
            "compare.html",
            diff=diff,
            pa=pa,
            pb=pb,
            names=names,
            post=lambda p: post_label(p, names),
        )

    @app.get("/plans/open")
    async def plans_open(request: Request) -> Response:
        need(request, "admin", "penilai", "ppk", "auditor")
        plan_id = (request.query_params.get("id") or "").strip()
        return RedirectResponse(f"/plans/{quote(plan_id)}" if plan_id else "/plans", 303)

    @app.get("/plans/{plan_id}", response_class=HTMLResponse)
    async def plan_page(request: Request, plan_id: str) -> Response:
        s = need(request, "admin", "penilai", "ppk", "auditor")
        api = console.api(s)
        plan = await api.get("matching", f"/plans/{quote(plan_id)}")
        moves: list[dict[str, Any]] = []
        next_cursor: str | None = None
        names: dict[str, dict[str, str]] = {"pegawai": {}, "units": {}, "jabatan": {}}
        if plan.get("status") == "done":
            page: dict[str, Any] = {"limit": MOVES_PAGE}
            if cursor := request.query_params.get("cursor"):
                page["cursor"] = cursor
            got, names = await asyncio.gather(
                api.get("matching", f"/plans/{quote(plan_id)}/moves", **page), name_maps(api)
            )
            moves = got.get("moves", [])
            next_cursor = got.get("next_cursor")
        rounds, plans = await asyncio.gather(rounds_list(console, s), plans_list(console, s))
        can_propose = s.has("admin", "operator") and await console.caps.has(
            "matching", "POST /rounds/{round_id}/proposals/from-plan"
        )
        return render(
            request,
            "plan.html",
            plan=plan,
            moves=moves,
            next_cursor=next_cursor,
            names=names,
            plans=plans,
            rounds=rounds,
            can_propose=can_propose,
            created=request.query_params.get("created"),
        )

    @app.get("/plans/{plan_id}/status.json")
    async def plan_status(request: Request, plan_id: str) -> Response:
        s = need(request, "admin", "penilai", "ppk", "auditor")
        plan = await console.api(s).get("matching", f"/plans/{quote(plan_id)}")
        return JSONResponse(
            {k: plan.get(k) for k in ("plan_id", "status", "progress", "moves_count", "error")},
            headers={"Cache-Control": "no-store"},
        )

    @app.get("/plans/{plan_id}/moves/{nip}", response_class=HTMLResponse)
    async def plan_move(request: Request, plan_id: str, nip: str) -> Response:
        s = need(request, "admin", "penilai", "ppk", "auditor", "pegawai")
        api = console.api(s)
        data = await api.get("matching", f"/plans/{quote(plan_id)}/explanations/{quote(nip)}")
        names = (
            await name_maps(api)
            if not s.has("pegawai")
            else {"pegawai": {}, "units": {}, "jabatan": {}}
        )
        return render(request, "move.html", plan_id=plan_id, nip=nip, x=data, names=names)

    @app.post("/plans/{plan_id}/proposals", response_class=HTMLResponse)
    async def plan_to_proposals(request: Request, plan_id: str) -> Response:
        s = need(request, "admin", "operator")
        form = await checked_form(request)
        round_id = str(form.get("round_id") or "")
        nips = [str(v) for v in form.getlist("nip")]
        body: dict[str, Any] = {"plan_id": plan_id}
        if nips:
            body["nips"] = nips
        data, problem = await attempt(
            console.api(s).post("matching", f"/rounds/{quote(round_id)}/proposals/from-plan", body),
            s.lang,
        )
        if problem is not None:
            s.flash.append(problem.message + " " + " ".join(problem.fields.values()))
            return RedirectResponse(f"/plans/{plan_id}", 303)
        count = (data or {}).get("created", 0)
        refused = (data or {}).get("refused", 0)
        s.flash.append(
            f"{t('plans.proposals_made', s.lang)}: {fmt.number(count, s.lang)}"
            + (f" ({t('plans.refused', s.lang)}: {fmt.number(refused, s.lang)})" if refused else "")
        )
        return RedirectResponse(f"/queue?round={quote(round_id)}", 303)

    @app.get("/ninebox", response_class=HTMLResponse)
    async def ninebox(request: Request) -> Response:
        s = need(request, "admin", "operator", "penilai", "ppk", "auditor")
        unit = request.query_params.get("unit") or (s.units[0] if s.units else "")
        box_text = request.query_params.get("box") or ""
        selected = int(box_text) if box_text.isdigit() else None
        api = console.api(s)
        data, names = await asyncio.gather(
            api.get("matching", "/ninebox", unit=unit or None), name_maps(api)
        )
        placements = data.get("placements", [])
        counts = Counter(int(p["box"]) for p in placements if p.get("box"))
        href = "/ninebox?" + urlencode({"unit": unit}) + "&box="
        grid = charts.ninebox_grid(dict(counts), href, selected, s.lang)
        chosen = [p for p in placements if selected and p.get("box") == selected]
        unplaced = [p for p in placements if not p.get("box")]
        return render(
            request,
            "ninebox.html",
            unit=unit,
            grid=grid,
            chosen=chosen,
            selected=selected,
            unplaced=unplaced,
            names=names,
            data=data,
        )

    # -- journey 5: auditor ----------------------------------------------------------------------
    @app.get("/ledger", response_class=HTMLResponse)
    async def ledger(request: Request) -> Response:
        s = need(request, "auditor", "admin")
        q = request.query_params
        values = {k: q.get(k, "") for k in ("nip", "unit", "type", "from", "to", "flag", "after")}
        fields: dict[str, str] = {}
        start = fmt.parse_day(values["from"])
        end = fmt.parse_day(values["to"])
        if values["from"] and start is None:
            fields["from"] = "dd-mm-yyyy"
        if values["to"] and end is None:
            fields["to"] = "dd-mm-yyyy"
        params: dict[str, Any] = {
            "limit": 50,
            "after": values["after"] or -1,
            "nip": values["nip"].strip() or None,
            "unit": values["unit"].strip() or None,
            "type": values["type"].strip() or None,
            "flag": values["flag"].strip() or None,
            "time_from": f"{start.isoformat()}T00:00:00Z" if start else None,
            "time_to": f"{end.isoformat()}T23:59:59Z" if end else None,
        }
        page, problem = (None, None)
        if not fields:
            page, problem = await attempt(
                console.api(s).get("audit", "/ledger/entries", **params), s.lang
            )
        else:
            problem = ShownProblem(422, t("ledger.from", s.lang), fields)
        if problem is not None and problem.fields:
            problem.fields = {
                ("from" if k == "time_from" else "to" if k == "time_to" else k): v
                for k, v in problem.fields.items()
            }
        export_route = await ledger_export_route(console)
        next_q = None
        if page and page.get("next_after") is not None:
            next_q = urlencode(
                {**{k: v for k, v in values.items() if v}, "after": page["next_after"]}
            )
        export_q = urlencode({k: v for k, v in values.items() if v and k != "after"})
        return render(
            request,
            "ledger.html",
            200 if problem is None else 422,
            page=page,
            values=values,
            problem=problem,
            next_q=next_q,
            export_q=export_q,
            can_export=export_route is not None,
        )

    @app.get("/ledger/export")
    async def ledger_export(request: Request) -> Response:
        from tatamutasi_web.app import PageError

        s = need(request, "auditor", "admin")
        route = await ledger_export_route(console)
        if route is None:
            raise PageError(404, t("error.not_available", s.lang, service="audit"))
        q = request.query_params
        start = fmt.parse_day(q.get("from", ""))
        end = fmt.parse_day(q.get("to", ""))
        params = {
            "nip": q.get("nip") or None,
            "unit": q.get("unit") or None,
            "type": q.get("type") or None,
            "flag": q.get("flag") or None,
            "time_from": f"{start.isoformat()}T00:00:00Z" if start else None,
            "time_to": f"{end.isoformat()}T23:59:59Z" if end else None,
        }
        r = await console.api(s).request("audit", "GET", route, params=params)
        disposition = (
            r.headers.get("content-disposition") or 'attachment; filename="ekspor-audit.zip"'
        )
        return Response(
            r.content,
            media_type=r.headers.get("content-type"),
            headers={"Content-Disposition": disposition},
        )

    @app.get("/ledger/{index}", response_class=HTMLResponse)
    async def ledger_entry(request: Request, index: int) -> Response:
        s = need(request, "auditor", "admin")
        api = console.api(s)
        proof, key = await asyncio.gather(
            api.get("audit", "/ledger/proofs/inclusion", index=index),
            api.get("audit", "/ledger/key"),
        )
        return render(request, "entry.html", proof=proof, key=key, entry=proof.get("entry") or {})

    @app.get("/flags", response_class=HTMLResponse)
    async def flags_page(request: Request) -> Response:
        from tatamutasi_web.app import PageError

        s = need(request, "auditor", "admin", "penilai", "ppk")
        if not await console.caps.has("audit", "GET /flags"):
            raise PageError(404, t("error.not_available", s.lang, service="audit"))
        status = request.query_params.get("status") or "open"
        if status not in FLAG_STATUS:
            status = "open"
        data = await console.api(s).get("audit", "/flags", status=status, limit=100)
        return render(request, "flags.html", data=data, flag_status=status)

    @app.post("/flags/{flag_id}/{action}", response_class=HTMLResponse)
    async def flag_action(request: Request, flag_id: str, action: str) -> Response:
        from tatamutasi_web.app import PageError

        s = need(request, "auditor", "admin", "penilai", "ppk")
        form = await checked_form(request)
        if action not in ("acknowledge", "dismiss", "confirm"):
            raise PageError(404, t("error.not_available", s.lang, service="audit"))
        reason = str(form.get("reason") or "").strip()
        status = {"acknowledge": "acknowledged", "dismiss": "dismissed", "confirm": "confirmed"}
        _, problem = await attempt(
            console.api(s).post(
                "audit",
                f"/flags/{quote(flag_id)}/status",
                {"status": status[action], "reason": reason},
            ),
            s.lang,
        )
        if problem is not None:
            shown = str(form.get("from_status") or "open")
            shown = shown if shown in FLAG_STATUS else "open"
            data = await console.api(s).get("audit", "/flags", status=shown, limit=100)
            return render(
                request,
                "flags.html",
                422,
                data=data,
                flag_status=shown,
                problem=problem,
                failed_flag=flag_id,
            )
        s.flash.append(
            f"{t('flags.handled', s.lang)}: {t('flags.status.' + status[action], s.lang)}"
        )
        # the flag where it now is, with its new status (and the next step)
        return RedirectResponse(f"/flags?status={status[action]}#flag-{quote(flag_id)}", 303)

    # -- journey 4: employee ------------------------------------------------------------------
    @app.get("/me", response_class=HTMLResponse)
    async def me(request: Request) -> Response:
        s = need(request, "pegawai")
        return render(request, "me.html", **(await me_view(console, s)), problem=None)

    @app.post("/me/aspirasi", response_class=HTMLResponse)
    async def me_aspirasi(request: Request) -> Response:
        s = need(request, "pegawai")
        form = await checked_form(request)
        prefs = []
        for i in range(1, 4):
            unit = str(form.get(f"unor_{i}") or "").strip()
            jab = str(form.get(f"jabatan_{i}") or "").strip()
            reason = str(form.get(f"reason_{i}") or "").strip()
            if unit or jab:
                prefs.append(
                    {
                        "rank": len(prefs) + 1,
                        "unor_id": unit or None,
                        "jabatan_id": jab or None,
                        "reason": reason or None,
                    }
                )
        body: dict[str, Any] = {"preferences": prefs}
        if form.get("round_id"):
            body["round_id"] = str(form.get("round_id"))
        _, problem = await attempt(
            console.api(s).post("pegawai", f"/pegawai/{s.sub}/aspirasi", body), s.lang
        )
        if problem is None:
            s.flash.append(t("me.aspirations_saved", s.lang))
            return RedirectResponse("/me#aspirasi", 303)
        return render(request, "me.html", 422, **(await me_view(console, s)), problem=problem)

    @app.post("/me/proposals/{proposal_id}/objection", response_class=HTMLResponse)
    async def me_objection(request: Request, proposal_id: str) -> Response:
        s = need(request, "pegawai")
        form = await checked_form(request)
        text = str(form.get("text") or "").strip()
        _, problem = await attempt(
            console.api(s).post(
                "matching", f"/proposals/{quote(proposal_id)}/objections", {"reason": text}
            ),
            s.lang,
        )
        if problem is None:
            return RedirectResponse("/me#proposals", 303)
        view = await me_view(console, s)
        return render(request, "me.html", 422, **view, problem=problem, failed_proposal=proposal_id)

    # -- journey 3: Tim Penilai / PPK queue ------------------------------------------------------
    from tatamutasi_web import workflow

    workflow.register(app, console)


def HOME_FOR(roles: tuple[str, ...]) -> str:  # noqa: N802 - reads like a table
    from tatamutasi_web.app import HOME

    for role in ("admin", "penilai", "ppk", "auditor", "operator", "pegawai"):
        if role in roles:
            return HOME[role]
    return "/dashboard"


async def name_maps(api: Api) -> dict[str, dict[str, str]]:
    """NIP → name, unit → name, jabatan → name for tables (best effort: what the user may read)."""

    async def pegawai() -> dict[str, str]:
        out: dict[str, str] = {}
        cursor = None
        for _ in range(20):
            try:
                page = await api.get("pegawai", "/pegawai", limit=500, cursor=cursor)
            except ApiError:
                return out
            for p in page.get("items", []):
                out[p["nip"]] = p.get("name") or p["nip"]
            cursor = page.get("next_cursor")
            if not cursor:
                break
        return out

    async def units() -> dict[str, str]:
        try:
            page = await api.get("formasi", "/units", limit=1000)
        except ApiError:
            return {}
        return {u["unit_id"]: u["name"] for u in page.get("items", [])}

    async def jabatan() -> dict[str, str]:
        try:
            page = await api.get("formasi", "/jabatan", limit=1000)
        except ApiError:
            return {}
        return {j["jabatan_id"]: j.get("name") or j["jabatan_id"] for j in page.get("items", [])}

    p, u, j = await asyncio.gather(pegawai(), units(), jabatan())
    return {"pegawai": p, "units": u, "jabatan": j}


def post_label(post: str | None, names: dict[str, dict[str, str]]) -> str:
    if not post:
        return "–"
    unit, _, jab = post.partition("/")
    return f"{names['jabatan'].get(jab, jab)} — {names['units'].get(unit, unit)}"


async def rounds_list(console: "Console", s: Any) -> list[dict[str, Any]]:
    if not await console.caps.has("matching", "GET /rounds"):
        return []
    try:
        data = await console.api(s).get("matching", "/rounds")
    except ApiError:
        return []
    items = data.get("items", data) if isinstance(data, dict) else data
    return list(items or [])


PLANS_SHOWN = 50
PLANS_PAGES = 20  # 500 plans a page: the newest of up to 10.000 plans


async def plans_list(
    console: "Console", s: Any, status: str | None = None, limit: int = PLANS_SHOWN
) -> list[dict[str, Any]]:
    """The newest plans, newest first, from the matching service (which lists them oldest
    first, cursor-paged); empty when the API does not offer the list or refuses it."""
    if not await console.caps.has("matching", "GET /plans"):
        return []
    api = console.api(s)
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(PLANS_PAGES):
        try:
            page = await api.get("matching", "/plans", status=status, limit=500, cursor=cursor)
        except ApiError:
            break
        items += page.get("items", [])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    items.sort(key=lambda p: str(p.get("created_at") or ""), reverse=True)
    return [
        {**p, "scenario": p.get("scenario") or str(p.get("plan_id", ""))[:8]} for p in items[:limit]
    ]


async def ledger_trend(api: Api, size: int | None, points: int = 30) -> list[int]:
    """Ledger sizes at its latest signed checkpoints (from the audit service), oldest first."""
    if size is None:
        return []
    after = -1
    found: list[int] = []
    # checkpoints are listed oldest first: look at the recent part of the log first
    for window in (2_000, 50_000, None):
        after = -1 if window is None else max(-1, size - window)
        try:
            page = await api.get("audit", "/ledger/checkpoints", after=after, limit=1000)
        except ApiError:
            return []
        found = [int(c["size"]) for c in page.get("items", []) if c.get("size") is not None]
        if len(found) >= points or after == -1:
            break
    return found[-points:]


async def ledger_export_route(console: "Console") -> str | None:
    routes = await console.caps.routes("audit")
    for candidate in ("GET /ledger/export", "GET /ledger/exports", "GET /export"):
        if candidate in routes:
            return candidate.split(" ", 1)[1]
    return None


async def siasn_view(console: "Console", s: Any) -> dict[str, Any] | None:
    """SIASN sync state when the pegawai API offers it (status and recent jobs)."""
    routes = await console.caps.routes("pegawai")
    if "POST /siasn/sync" not in routes:
        return None
    api = console.api(s)
    status, _ = await attempt(api.get("pegawai", "/siasn/status"), s.lang)
    jobs, _ = await attempt(api.get("pegawai", "/siasn/sync"), s.lang)
    items = (jobs or {}).get("items", []) if isinstance(jobs, dict) else []
    return {"status": status, "jobs": items[:5]}


async def dashboard_data(console: "Console", s: Any) -> dict[str, Any]:
    """Every tile from its service; a tile the user may not read stays empty."""
    api = console.api(s)
    lang = s.lang

    async def gaps() -> Any:
        if not s.has("admin", "operator", "auditor", "ppk", "penilai"):
            return None
        data, _ = await attempt(api.get("formasi", "/gaps/summary"), lang)
        return data

    async def checkpoint() -> Any:
        if not s.has("admin", "auditor", "integration"):
            return None
        try:
            r = await api.request("audit", "GET", "/checkpoint")
        except ApiError:
            return None
        lines = r.text.split("\n")
        size = int(lines[1]) if len(lines) > 1 and lines[1].isdigit() else None
        return {"origin": lines[0], "size": size, "root": lines[2] if len(lines) > 2 else ""}

    async def completeness() -> Any:
        if not s.has("admin", "auditor", "integration"):
            return None
        data, _ = await attempt(api.get("audit", "/ledger/completeness"), lang)
        return data

    async def flags() -> Any:
        if not s.has("admin", "auditor", "penilai", "ppk") or not await console.caps.has(
            "audit", "GET /flags"
        ):
            return None
        data, _ = await attempt(api.get("audit", "/flags", status="open", limit=500), lang)
        if data is None:
            return None
        items = data.get("items", []) if isinstance(data, dict) else data
        return {
            "open": len(items),
            "by_rule": dict(Counter(str(f.get("rule_id") or "?") for f in items)),
        }

    async def proposals() -> Any:
        if not await console.caps.has("matching", "GET /rounds") or s.has("pegawai"):
            return None
        data, _ = await attempt(api.get("matching", "/rounds"), lang)
        if data is None:
            return None
        items = data.get("items", data) if isinstance(data, dict) else data
        total: Counter[str] = Counter()
        for r in items or []:
            for state, n in ((r.get("proposals") or {}).get("by_state") or {}).items():
                if isinstance(n, int):
                    total[state] += n
        return dict(total)

    g, c, comp, f, p = await asyncio.gather(
        gaps(), checkpoint(), completeness(), flags(), proposals()
    )
    trend = await ledger_trend(api, (c or {}).get("size")) if c else []
    return {
        "gaps": g,
        "checkpoint": c,
        "completeness": comp,
        "flags": f,
        "proposals": p,
        "trend": trend,
        "trend_svg": charts.sparkline(trend, t("dash.trend", lang)) if trend else "",
        "updated": time.strftime("%d-%m-%Y %H:%M:%S", time.gmtime()),
        "text": {
            "fill_rate": fmt.number((g or {}).get("fill_rate_percent"), lang, 1) + "%"
            if g
            else "–",
            "need": fmt.number(((g or {}).get("totals") or {}).get("need"), lang),
            "filled": fmt.number(((g or {}).get("totals") or {}).get("filled"), lang),
            "vacant": fmt.number(((g or {}).get("totals") or {}).get("vacant"), lang),
            "ledger_size": fmt.number((c or {}).get("size"), lang),
            "flags": fmt.number((f or {}).get("open"), lang) if f else "–",
            "complete": (
                "–"
                if comp is None
                else t("dash.complete_ok", lang)
                if comp.get("complete")
                else t("dash.complete_alarm", lang)
            ),
        },
        "headline": (g or {}).get("headline"),  # asked in the user's language
    }


HIDDEN_HISTORY_KEYS = {"recorded_at", "recorded_by", "created_at", "created_by", "siasn_id",
                       "source", "id", "nip", "proposal_id", "version"}  # fmt: skip
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def history_rows(rows: list[dict[str, Any]]) -> list[list[tuple[str, str]]]:
    """History rows as (label, text) cells: bookkeeping columns dropped, an `_id` column
    dropped when its `_name` is there, dates as dd-mm-yyyy."""
    out = []
    for row in rows:
        cells = []
        for key, value in row.items():
            if key in HIDDEN_HISTORY_KEYS or value in (None, "") or isinstance(value, dict | list):
                continue
            if key.endswith("_id") and row.get(key[:-3] + "_name"):
                continue
            text = fmt.day(value) if isinstance(value, str) and ISO_DAY.match(value) else str(value)
            cells.append((key.replace("_", " "), text))
        out.append(cells)
    return out


async def me_view(console: "Console", s: Any) -> dict[str, Any]:
    api = console.api(s)
    nip = s.sub
    kinds = ("jabatan", "golongan", "pendidikan", "skp", "diklat", "asesmen")

    async def one(path: str) -> Any:
        data, _ = await attempt(api.get("pegawai", path), s.lang)
        return data

    person, aspirasi, *hist = await asyncio.gather(
        one(f"/pegawai/{nip}"),
        one(f"/pegawai/{nip}/aspirasi"),
        *(one(f"/pegawai/{nip}/{k}") for k in kinds),
    )
    histories = {}
    for k, h in zip(kinds, hist, strict=True):
        items = h.get("items", h) if isinstance(h, dict) else h
        histories[k] = history_rows(list(items or []))

    async def explanation_of(plan: dict[str, Any]) -> Any:
        data, _ = await attempt(
            api.get("matching", f"/plans/{plan['plan_id']}/explanations/{nip}"), s.lang
        )
        return {"plan": plan, **data} if data else None

    async def proposals_about_me() -> list[dict[str, Any]]:
        if not await console.caps.has("matching", "GET /proposals"):
            return []
        data, _ = await attempt(api.get("matching", "/proposals", nip=nip), s.lang)
        items = data.get("items", []) if isinstance(data, dict) else (data or [])
        details = await asyncio.gather(
            *(one_matching(f"/proposals/{quote(str(p.get('proposal_id')))}") for p in items)
        )
        return [d or p for d, p in zip(details, items, strict=True)]

    async def one_matching(path: str) -> Any:
        data, _ = await attempt(api.get("matching", path), s.lang)
        return data

    # the newest finished plan that explains this employee (from the matching service)
    async def explained() -> list[Any]:
        plans = await plans_list(console, s, status="done", limit=5)
        return list(await asyncio.gather(*(explanation_of(p) for p in plans)))

    found, proposals = await asyncio.gather(explained(), proposals_about_me())
    explanation = next((x for x in found if x), None)
    prefs = (aspirasi or {}).get("preferences", []) if isinstance(aspirasi, dict) else []
    ninebox = (
        (explanation or {}).get("employee", {}).get("stay_detail", {}).get("ninebox")
        if explanation
        else None
    )
    return {
        "person": person,
        "histories": histories,
        "prefs": prefs,
        "aspirasi": aspirasi,
        "explanation": explanation,
        "proposals": proposals,
        "ninebox": ninebox,
        "pick": pick,
        "show_problem": show_problem,
    }
