"""The console's journeys in a real headless browser (Debian's chromium via Playwright), on
the whole system as `make run` starts it: broker, four services, the demo Pemda and the web
process. The system starts once for this module; each journey ends with a screenshot under
test-artifacts/web/, and every page's load time goes to bench/RESULTS.md (measured, not
asserted)."""

import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tatamutasi_platform.auth import ensure_dev_keys, issue_token
from tatamutasi_platform.broker import free_port

pytestmark = [pytest.mark.system, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "web"
RESULTS = ROOT / "bench" / "RESULTS.md"
CHROMIUM = os.environ.get("TATAMUTASI_CHROMIUM", "/usr/bin/chromium")
VALID_NIP = "199001012015032001"  # 01-01-1990, CPNS 03-2015, woman: consistent
TIMINGS: list[tuple[str, str, float]] = []  # (journey, page, ms)
STATE: dict[str, Any] = {}
CPU: dict[str, Any] = {}  # the system's CPU seconds around the journeys (machine is shared)


def tree_cpu(root: int) -> dict[str, float]:
    """CPU seconds (user + system) of the process tree under `root`, from /proc: the web
    console's own, and everything (broker, services, console) together."""
    tick = os.sysconf("SC_CLK_TCK")
    parent: dict[int, int] = {}
    cpu: dict[int, float] = {}
    web: set[int] = set()
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            cmd = (d / "cmdline").read_bytes()
        except OSError:
            continue
        pid = int(d.name)
        parent[pid] = int(fields[1])
        cpu[pid] = (int(fields[11]) + int(fields[12])) / tick
        if b"tatamutasi_web" in cmd:
            web.add(pid)
    tree, todo = {root}, [root]
    while todo:
        here = todo.pop()
        kids = [p for p, pp in parent.items() if pp == here and p not in tree]
        tree.update(kids)
        todo += kids
    return {
        "web": sum(cpu.get(p, 0.0) for p in tree & web),
        "all": sum(cpu.get(p, 0.0) for p in tree),
    }


def chromium_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.environ.get("CI") or os.environ.get("TATAMUTASI_REQUIRE_BROWSER"):
        pytest.fail(f"{CHROMIUM} is missing: install it with `apt-get install -y chromium`")
    pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")


class RunningSystem:
    """`tatamutasi run` in a temporary data folder on free ports (web included)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.ports = {n: free_port() for n in ("pegawai", "formasi", "matching", "audit", "web")}
        self.broker_port = free_port()
        self.lines: list[str] = []
        self.proc: subprocess.Popen[str] | None = None

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def start(self, timeout: float = 600) -> None:  # the demo grows; shared machines are slow
        cmd = [sys.executable, "-m", "tatamutasi_cli.main", "run", "--data-dir", str(self.data_dir),
               "--broker-port", str(self.broker_port)]  # fmt: skip
        for name in ("pegawai", "formasi", "matching", "audit"):
            cmd += [f"--{name}-port", str(self.ports[name])]
        env = {
            **os.environ,
            "TATAMUTASI_WEB_PORT": str(self.ports["web"]),
            "TATAMUTASI_SIASN_FAKE_PORT": str(free_port()),
        }
        for k in ("PEGAWAI", "FORMASI", "MATCHING", "AUDIT"):
            env[f"{k}_LOG_LEVEL"] = "WARNING"
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )  # fmt: skip
        ready = threading.Event()

        def read() -> None:
            assert self.proc is not None and self.proc.stdout is not None
            for line in self.proc.stdout:
                self.lines.append(line.rstrip())
                if line.startswith("TataMutasi is running"):
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        deadline = time.monotonic() + timeout
        while not ready.wait(0.5):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError("the system did not start:\n" + "\n".join(self.lines[-40:]))

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(40)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def token(self, role: str, sub: str = "web-test", **kw: Any) -> str:
        private, _ = ensure_dev_keys(self.data_dir / "keys")
        return issue_token(private.read_bytes(), sub=sub, roles=[role], **kw)

    def has_route(self, service: str, route: str) -> bool:
        spec = httpx.get(self.url(service) + "/openapi.json", timeout=10).json()
        method, path = route.split(" ", 1)
        return method.lower() in (spec.get("paths", {}).get(path) or {})


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    chromium_or_skip()
    sysm = RunningSystem(tmp_path_factory.mktemp("web-system"))
    sysm.start()
    assert sysm.proc is not None
    CPU["start"], CPU["wall"] = tree_cpu(sysm.proc.pid), time.monotonic()
    yield sysm
    CPU["end"], CPU["wall"] = tree_cpu(sysm.proc.pid), time.monotonic() - CPU["wall"]
    sysm.stop()
    write_bench()


@pytest.fixture(scope="module")
def browser(system: RunningSystem) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_or_skip(), args=["--no-sandbox"])
        yield b
        b.close()


class Journey:
    """One role's browser tab at 1366×768, Indonesian, with load times recorded."""

    def __init__(self, browser: Any, system: RunningSystem, name: str) -> None:
        self.name = name
        self.base = system.url("web")
        self.ctx = browser.new_context(
            viewport={"width": 1366, "height": 768}, locale="id-ID", accept_downloads=True
        )
        self.ctx.set_default_timeout(30_000)
        self.page = self.ctx.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def record(self, label: str) -> None:
        ms = self.page.evaluate(
            "() => { const n = performance.getEntriesByType('navigation')[0];"
            " return n ? n.loadEventEnd - n.startTime : -1 }"
        )
        TIMINGS.append((self.name, label, float(ms)))

    def goto(self, path: str, label: str | None = None) -> Any:
        r = self.page.goto(self.base + path)
        assert r is not None and r.status < 400, f"{path}: {r.status if r else 'no response'}"
        self.record(label or path.split("?")[0])
        return r

    def login(self, role: str, nip: str = "") -> None:
        self.goto("/login")
        self.page.select_option("#role", role)
        if nip:
            self.page.fill("#nip", nip)
        self.page.click("form[action='/login'] button[type=submit]")
        self.page.wait_for_load_state()
        assert "/login" not in self.page.url, self.page.inner_text("main")

    def assert_fits(self) -> None:
        """No horizontal scrolling at 1366×768."""
        wide = self.page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert wide[0] <= wide[1], f"{self.page.url}: {wide[0]} px wide at {wide[1]} px"

    def shot(self) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name}.png"), full_page=True)
        assert not self.errors, f"JavaScript errors: {self.errors}"
        self.ctx.close()


def write_bench() -> None:
    if not TIMINGS:
        return
    rows = "\n".join(f"| {j} | `{p}` | {ms:,.0f} ms |" for j, p, ms in TIMINGS)
    worst = max(TIMINGS, key=lambda x: x[2])
    over = sum(1 for *_, ms in TIMINGS if ms > 1000)
    section = (
        "<!-- bench:web:begin -->\n"
        "## web — Page load times of the console in headless chromium\n\n"
        "Each journey of the web console driven in Debian's chromium (Playwright) at 1366×768 on "
        "`make run`'s demo Pemda, started once for the run; time = navigation start → load event "
        "(server render + the services' API calls + assets), measured, not asserted "
        "(target: no page slower than 1 s).\n\n"
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n"
        "- Command: `.venv/bin/python -m pytest -q web/tests/test_web_journeys.py`\n"
        f"- Machine: cpus (nproc): {os.cpu_count()}; load average at end: "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}\n"
        f"- Pages: {len(TIMINGS)}; slowest: `{worst[1]}` ({worst[2]:,.0f} ms); over 1 s: {over}\n"
        + (
            f"- Journeys: {CPU['wall']:,.0f} s wall; CPU seconds used meanwhile by the web console "
            f"{CPU['end']['web'] - CPU['start']['web']:,.1f} s, by the whole system (broker, "
            f"services, console) {CPU['end']['all'] - CPU['start']['all']:,.1f} s\n"
            if "end" in CPU
            else ""
        )
        + "\n"
        "| journey | page | load |\n|---|---|---:|\n" + rows + "\n<!-- bench:web:end -->"
    )
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(r"<!-- bench:web:begin -->.*?<!-- bench:web:end -->", re.S)
    text = (
        pattern.sub(section, text)
        if pattern.search(text)
        else text.rstrip() + "\n\n" + section + "\n"
    )
    RESULTS.write_text(text)


def dd_mm_yyyy(d: date) -> str:
    return d.strftime("%d-%m-%Y")


# -- journey 1: BKD admin ----------------------------------------------------------------------
def test_web_journey_1_bkd_admin_import_and_gaps(browser: Any, system: RunningSystem,
                                                 tmp_path: Path) -> None:  # fmt: skip
    j = Journey(browser, system, "1-bkd-admin")
    j.login("admin")
    j.goto("/import")
    bad = tmp_path / "pegawai-salah.csv"
    bad.write_text(
        "NIP,Nama,ID Unit Kerja,ID Jabatan\n"
        f"{VALID_NIP},Siti Rahma,DEMO-DINKES,DEMO-J-ANALIS\n"
        "12345,Tanpa NIP,DEMO-DINKES,DEMO-J-ANALIS\n"
    )
    j.page.set_input_files("#file", str(bad))
    j.page.click("button[value=dry_run]")
    errors = j.page.locator("[data-testid=row-errors] tbody tr")
    errors.first.wait_for()
    assert errors.count() == 1
    row = errors.first.inner_text()
    assert "3" in row and "NIP" in row and "18" in row  # row 3, column NIP, Indonesian reason
    assert j.page.locator("[data-testid=import-summary]").get_attribute("data-dry-run") == "true"
    good = tmp_path / "pegawai.csv"
    good.write_text("NIP,Nama,ID Unit Kerja,ID Jabatan\n"
                    f"{VALID_NIP},Siti Rahma,DEMO-DINKES,DEMO-J-ANALIS\n")  # fmt: skip
    j.page.set_input_files("#file", str(good))
    j.page.click("button[value=dry_run]")
    j.page.wait_for_selector("text=Semua baris sah")
    j.page.set_input_files("#file", str(good))
    j.page.click("[data-testid=import-run]")
    j.page.wait_for_selector("[data-testid=import-done]")
    assert j.page.locator("#import-progress").evaluate("e => e.value") == 100
    assert j.page.inner_text("[data-imported]") == "1"
    # the imported employee is in the registry
    admin = {"Authorization": f"Bearer {system.token('admin')}"}
    r = httpx.get(f"{system.url('pegawai')}/pegawai/{VALID_NIP}", headers=admin, timeout=10)
    assert r.status_code == 200 and r.json()["name"].startswith("Siti Rahma")

    if system.has_route("pegawai", "POST /siasn/sync"):
        # SIASN sync: a job with its progress bar, or the service's refusal in Indonesian
        j.goto("/import")
        j.page.fill("#nips", VALID_NIP)
        j.page.click("form[action='/siasn/sync'] button")
        j.page.wait_for_selector("#siasn [data-problem], #siasn [data-job] progress")
        problem = j.page.locator("#siasn [data-problem]")
        if problem.count():
            assert "SIASN" in problem.inner_text()
    j.goto("/gaps")
    chart = j.page.locator("[data-testid=gap-chart] svg")
    opds = httpx.get(f"{system.url('formasi')}/gaps", headers=admin, timeout=30).json()["by_opd"]
    assert len(opds) >= 6  # the demo's 6 OPD, and what the SIASN demo sync brought
    assert chart.count() == 1 and chart.locator("rect.bar-need").count() == len(opds)
    table = j.page.inner_text("[data-testid=gaps-table]")
    assert "Dinas Kesehatan" in table
    assert re.search(r"\d{2}-\d{2}-\d{4}", j.page.inner_text("main"))
    with j.page.expect_download() as dl:
        j.page.click("[data-testid=gaps-export]")
    path = dl.value.path()
    assert path and Path(path).read_bytes()[:2] == b"PK"  # an .xlsx (zip)
    j.shot()


# -- journey 2: planning -----------------------------------------------------------------------
def test_web_journey_2_planning(browser: Any, system: RunningSystem) -> None:
    j = Journey(browser, system, "2-planning")
    j.login("admin")
    j.goto("/plans")
    workflow = system.has_route("matching", "POST /rounds")
    if workflow:
        j.page.fill("#round-name", "Putaran Uji Web")
        j.page.fill("#round-tmt", dd_mm_yyyy(date.today() + timedelta(days=40)))
        j.page.click("form[action='/rounds'] button")
        j.page.wait_for_selector("text=Putaran Uji Web")
    effective = dd_mm_yyyy(date.today() + timedelta(days=40))
    # a bad weight is refused next to its field, in Indonesian
    j.page.fill("#scenario", "Skenario A")
    j.page.fill("#effective", effective)
    j.page.fill("#w_tenure", "-1")
    j.page.click("form[action='/plans'] button[type=submit]")
    j.page.wait_for_selector("[data-problem]")
    assert "bobot" in j.page.inner_text("[data-problem]").lower()
    j.page.fill("#w_tenure", "0,10")
    j.page.click("form[action='/plans'] button[type=submit]")
    j.page.wait_for_selector("[data-testid=moves]", timeout=60_000)
    j.record("/plans/{id}")
    plan_a = j.page.url.rsplit("/", 1)[1]
    moves = j.page.locator("[data-testid=moves] tbody tr")
    assert moves.count() > 0
    # explanation of the first move: score breakdown, missing requirements, runners-up
    j.page.locator("[data-testid=moves] tbody tr").first.locator("a").click()
    j.page.wait_for_selector("[data-testid=components]")
    j.record("/plans/{id}/moves/{nip}")
    assert j.page.locator("[data-testid=components] tbody tr").count() == 6
    assert j.page.locator("[data-testid=runners-up]").count() == 1
    assert j.page.locator("[data-testid=missing]").count() == 1
    # scenario B: stable mode, aspiration weighted up
    j.goto("/plans")
    j.page.fill("#scenario", "Skenario B")
    j.page.fill("#effective", effective)
    j.page.select_option("#mode", "stable")
    j.page.fill("#w_aspiration", "0,5")
    j.page.click("form[action='/plans'] button[type=submit]")
    j.page.wait_for_selector("[data-testid=moves]", timeout=60_000)
    plan_b = j.page.url.rsplit("/", 1)[1]
    # the plans come from the matching service (newest first), not from the console's memory
    j.goto("/plans")
    listed = j.page.inner_text("[data-testid=plans-list]")
    assert listed.index("Skenario B") < listed.index("Skenario A") and "(DEMO)" in listed
    j.assert_fits()
    j.goto(f"/plans/compare?a={plan_a}&b={plan_b}", "/plans/compare")
    summary = j.page.inner_text("[data-testid=compare-summary]")
    assert "Skenario A" in summary and "Skenario B" in summary and "stable" in summary
    # 9-box of a unit: a real grid, clickable
    admin = {"Authorization": f"Bearer {system.token('admin')}"}
    units = [
        "DEMO-SETDA",
        "DEMO-BKPSDM",
        "DEMO-BPKAD",
        "DEMO-DINKES",
        "DEMO-DISDIK",
        "DEMO-KOMINFO",
    ]
    unit = next(
        u for u in units
        if any(p["box"] for p in httpx.get(f"{system.url('matching')}/ninebox", params={"unit": u},
                                            headers=admin, timeout=30).json()["placements"])
    )  # fmt: skip
    j.goto("/ninebox", "/ninebox")
    j.page.select_option("#unit", unit)  # submits itself
    j.page.wait_for_url(re.compile("unit=" + unit))
    boxes = j.page.locator("[data-testid=ninebox-grid] a.nb-box")
    assert boxes.count() == 9
    filled = [b for b in boxes.all() if not b.get_attribute("aria-label").endswith(": 0 orang")]
    assert filled, "no employee placed in the 9-box"
    filled[0].focus()
    j.page.keyboard.press("Enter")
    j.page.wait_for_selector("[data-testid=box-people] tbody tr")
    assert "box=" in j.page.url
    STATE["plan_a"] = plan_a
    if workflow:
        j.goto(f"/plans/{plan_a}", "/plans/{id}")
        # the demo round already holds some of these employees in active proposals (one
        # active proposal per employee): choose three others
        busy = {
            p["nip"]
            for p in httpx.get(f"{system.url('matching')}/proposals", params={"limit": 500},
                               headers=admin, timeout=30).json()["items"]
            if p["state"] in ("draft", "submitted", "reviewed", "approved")
        }  # fmt: skip
        # and moves inside the demo Pemda (the fake SIASN's synced employees hold posts of its
        # own synthetic instansi, which the workflow refuses as unknown to formasi)
        inside = {
            m["employee"]
            for m in httpx.get(f"{system.url('matching')}/plans/{plan_a}/moves",
                               params={"limit": 500}, headers=admin, timeout=30).json()["moves"]
            if m["to"].startswith("DEMO-")
        }  # fmt: skip
        checks = j.page.locator("[data-testid=moves] tbody input[type=checkbox]")
        free = [c for c in checks.all() if c.get_attribute("value") in inside - busy][:3]
        assert len(free) == 3, "the plan has fewer than 3 movers outside the demo round"
        for check in free:
            check.check()
            STATE.setdefault("nips", []).append(check.get_attribute("value"))
        j.page.select_option("#round_id", label="Putaran Uji Web")  # not the demo's round
        j.page.click("[data-testid=to-proposals]")
        j.page.wait_for_url(re.compile(r"/queue"))
        assert "Usulan dibuat: 3" in j.page.inner_text("main")
        j.page.click("[data-testid=submit-all]")
        j.page.wait_for_url(re.compile(r"state=submitted"))
        assert j.page.locator("[data-testid=proposal]").count() == 3
        STATE["round"] = re.search(r"round=([^&]+)", j.page.url)[1]
    j.shot()


# -- journey 4: employee (before the decisions, so an objection can be filed) ----------------
def test_web_journey_4_employee(browser: Any, system: RunningSystem) -> None:
    nip = (STATE.get("nips") or [None])[0]
    if nip is None:
        admin = {"Authorization": f"Bearer {system.token('admin')}"}
        nip = httpx.get(f"{system.url('pegawai')}/pegawai?limit=1", headers=admin).json()["items"][
            0
        ]["nip"]
    j = Journey(browser, system, "4-employee")
    j.login("pegawai", nip)
    j.goto("/me")
    assert j.page.inner_text("[data-testid=my-name]")
    assert j.page.locator("[data-testid=history-jabatan] tr").count() >= 1
    # my 9-box and why (from the latest plan)
    assert j.page.locator("[data-testid=my-reason]").count() == 1
    # aspirations: an unknown unit is refused next to the field, a real one is saved
    j.page.fill("#unor_1", "DEMO-DINKES")
    j.page.fill("#jabatan_1", "DEMO-J-ANALIS")
    j.page.fill("#reason_1", "Dekat dengan keluarga")
    j.page.click("#aspirasi button[type=submit]")
    j.page.wait_for_selector("text=Aspirasi tersimpan")
    assert j.page.input_value("#unor_1") == "DEMO-DINKES"
    if STATE.get("round"):
        proposal = j.page.locator("[data-testid=my-proposal]")
        assert proposal.count() == 1
        proposal.locator("textarea").fill("Saya baru enam bulan di jabatan ini.")
        proposal.locator("button[type=submit]").click()
        j.page.wait_for_selector("[data-testid=objection]")
        assert "open" in j.page.inner_text("[data-testid=objection]")
        STATE["objector"] = nip
    j.shot()


# -- journey 3: Tim Penilai / PPK ----------------------------------------------------------------
def test_web_journey_3_penilai_and_ppk(browser: Any, system: RunningSystem) -> None:
    if not STATE.get("round"):
        pytest.skip("the matching service offers no workflow API (rounds/proposals) yet")
    round_id = STATE["round"]
    j = Journey(browser, system, "3-penilai")
    j.login("penilai")
    j.goto(f"/queue?round={round_id}&state=submitted", "/queue")
    cards = j.page.locator("[data-testid=proposal]")
    assert cards.count() == 3
    first = cards.first
    assert first.locator("[data-testid=eligibility]").count() == 1
    assert first.locator("[data-testid=open-flags]").count() == 1
    # answer the employee's objection, then review each proposal
    answer = j.page.locator("form[action*='/objections/'] textarea")
    if answer.count():
        answer.first.fill("Masa jabatan sudah dihitung; usulan tetap.")
        j.page.locator("form[action*='/objections/'] button").first.click()
        j.page.wait_for_selector("text=Keberatan dijawab")
        j.goto(f"/queue?round={round_id}&state=submitted", "/queue")
    for _ in range(3):
        j.page.locator("[data-testid=review]").first.click()
        j.page.wait_for_load_state()
        assert not j.page.locator("[data-problem]").count(), j.page.inner_text("[data-problem]")
    assert j.page.locator("[data-testid=proposal]").count() == 0
    j.goto(f"/queue?round={round_id}&state=reviewed", "/queue")
    assert j.page.locator("[data-testid=proposal]").count() == 3
    j.shot()

    k = Journey(browser, system, "3-ppk")
    k.login("ppk")
    # the demo's genuine red flag (R3: an OPD operator proposed his own wife), raised by the
    # audit service, is on the proposal card before the decision buttons
    k.goto("/queue?state=reviewed", "/queue")
    flagged = k.page.locator(
        "[data-testid=proposal]",
        has=k.page.locator("[data-testid=open-flags] li", has_text="R3"),
    )
    assert flagged.count() == 1, k.page.inner_text("main")
    assert "suami/istri" in flagged.locator("[data-testid=open-flags]").inner_text()
    assert flagged.evaluate(
        """card => { const f = card.querySelector('[data-testid=open-flags]');
                    const b = card.querySelector('[data-testid=approve]');
                    return !!(f && b && (f.compareDocumentPosition(b)
                                         & Node.DOCUMENT_POSITION_FOLLOWING)); }"""
    ), "the open flags are not shown before the decision buttons"
    k.assert_fits()
    flagged_id = flagged.get_attribute("data-proposal")
    # approving it without a justification: the service's refusal next to the field
    with k.page.expect_navigation():
        flagged.locator("[data-testid=approve]").click()
    card = k.page.locator(f"[data-proposal='{flagged_id}']")
    error = card.locator("#err-justification")
    assert error.count() == 1, k.page.inner_text("main")
    assert "justifikasi" in error.inner_text().lower()
    assert card.locator("input[name=justification]").get_attribute("aria-invalid") == "true"
    # the PPK rejects it, with a reason, using the keyboard
    card.locator("input[name=reason]").focus()
    k.page.keyboard.type("Konflik kepentingan: pengusul adalah suami kandidat")
    card.locator("button.danger").focus()
    with k.page.expect_navigation():
        k.page.keyboard.press("Enter")
    assert "/reject" not in k.page.url, k.page.inner_text("main")
    assert k.page.locator(f"[data-proposal='{flagged_id}']").count() == 0
    STATE["flagged_proposal"] = flagged_id
    k.goto(f"/queue?round={round_id}&state=reviewed", "/queue")
    cards = k.page.locator("[data-testid=proposal]")
    assert cards.count() == 3
    for sel in k.page.locator("select[name^=decision_]").all():
        sel.select_option("approve")
    for box in k.page.locator("input[name^=justification_][required]").all():
        box.fill("Tanda bahaya telah ditelaah.")
    k.page.fill("#reason_all", "Sesuai hasil penilaian")
    k.page.click("[data-testid=batch-submit]")
    k.page.wait_for_selector("[data-testid=batch-results]")
    k.record("/queue/batch")
    results = k.page.locator("[data-testid=batch-results] tbody tr")
    assert results.count() == 3
    decided = int(k.page.inner_text("[data-testid=decided]"))
    refused = int(k.page.inner_text("[data-testid=refused]"))
    assert decided + refused == 3 and decided >= 1
    k.shot()
    STATE["approved"] = decided


# -- journey 5: auditor --------------------------------------------------------------------------
def test_web_journey_5_auditor(browser: Any, system: RunningSystem) -> None:
    j = Journey(browser, system, "5-auditor")
    j.login("auditor")
    j.goto("/ledger")
    j.page.fill("#l-type", "pegawai.registered")
    j.page.fill("#l-from", dd_mm_yyyy(date.today()))
    j.page.click("form[action='/ledger'] button")
    j.page.wait_for_selector("[data-testid=ledger-entries]")
    rows = j.page.locator("[data-testid=ledger-entries] tbody tr")
    assert rows.count() > 0 and "pegawai.registered" in rows.first.inner_text()
    # search by person (NIP → pseudonym on the server)
    j.goto(f"/ledger?nip={VALID_NIP}", "/ledger")
    assert j.page.locator("[data-testid=ledger-entries] tbody tr a").count() >= 1
    j.page.locator("[data-testid=ledger-entries] tbody tr a").first.click()
    result = j.page.locator("[data-testid=inclusion-result][data-verified]")
    result.wait_for()
    j.record("/ledger/{index}")
    assert result.get_attribute("data-verified") == "true", result.inner_text()
    assert "TERVERIFIKASI" in result.inner_text()
    sig = j.page.locator("[data-testid=signature-result]")
    assert sig.get_attribute("data-signature-valid") == "true", sig.inner_text()
    # the same code refuses a tampered entry
    tampered = j.page.evaluate(
        """async () => {
            const box = document.querySelector('[data-inclusion]');
            const d = box.dataset, M = window.TMMerkle;
            const entry = M.b64ToBytes(d.entry); entry[5] ^= 1;
            const r = await M.verifyInclusion(entry, Number(d.index), Number(d.size),
                JSON.parse(d.proof).map(M.b64ToBytes), M.b64ToBytes(d.root));
            return r.ok;
        }"""
    )
    assert tampered is False
    j.goto("/ledger")
    if j.page.locator("[data-testid=ledger-export]").count():
        with j.page.expect_download() as dl:
            j.page.click("[data-testid=ledger-export]")
        assert dl.value.path() and Path(dl.value.path()).stat().st_size > 0
    # the demo's genuine red flag: acknowledge it, then confirm it, each with a reason
    j.goto("/flags")
    assert j.page.locator("[data-testid=flags]").count() == 1
    row = j.page.locator("[data-testid=flag][data-rule=R3]")
    assert row.count() == 1, j.page.inner_text("main")
    assert "suami/istri" in row.inner_text()
    flag_id = row.get_attribute("data-flag")
    assert row.locator("[data-testid=flag-status]").get_attribute("data-value") == "open"
    j.assert_fits()
    # no reason: the service's message appears next to the reason field
    row.locator("button[formaction$='/acknowledge']").click()
    j.page.wait_for_selector(".field-error, [data-problem]")
    row = j.page.locator(f"[data-flag='{flag_id}']")
    row.locator("input[name=reason]").fill("Ditelaah: NIK pasangan cocok dengan data keluarga")
    row.locator("button[formaction$='/acknowledge']").click()
    j.page.wait_for_url(re.compile(r"status=acknowledged"))
    assert "Tanda bahaya diperbarui" in j.page.inner_text("main")
    row = j.page.locator(f"[data-flag='{flag_id}']")
    assert row.locator("[data-testid=flag-status]").get_attribute("data-value") == "acknowledged"
    # confirm it with the keyboard only: reason, Tab past "Abaikan" to "Konfirmasi", Enter
    row.locator("input[name=reason]").focus()
    j.page.keyboard.type("Dikonfirmasi: pengusul adalah suami kandidat (konflik kepentingan)")
    j.page.keyboard.press("Tab")
    j.page.keyboard.press("Tab")
    focused = j.page.evaluate("() => document.activeElement.getAttribute('formaction')")
    assert focused and focused.endswith("/confirm"), focused
    j.page.keyboard.press("Enter")
    j.page.wait_for_url(re.compile(r"status=confirmed"))
    row = j.page.locator(f"[data-flag='{flag_id}']")
    assert row.locator("[data-testid=flag-status]").get_attribute("data-value") == "confirmed"
    assert "dikonfirmasi" in row.inner_text() and row.locator("form").count() == 0
    j.record("/flags")
    auditor = {"Authorization": f"Bearer {system.token('auditor')}"}
    got = httpx.get(f"{system.url('audit')}/flags/{flag_id}", headers=auditor, timeout=30)
    assert [h["status"] for h in got.json()["history"]][-2:] == ["acknowledged", "confirmed"]
    j.shot()
    j = Journey(browser, system, "5-auditor-ledger")
    j.login("auditor")
    j.goto(f"/ledger?nip={VALID_NIP}", "/ledger")
    j.shot()


# -- journey 6: dashboard --
def test_web_journey_6_dashboard_updates_live(browser: Any, system: RunningSystem) -> None:
    j = Journey(browser, system, "6-dashboard")
    j.login("admin")
    j.goto("/dashboard")
    size = j.page.locator("[data-testid=ledger-size]")
    before = size.inner_text()
    assert re.fullmatch(r"[\d.]+", before), before
    # a write somewhere in the system shows up without reloading the page
    admin = {"Authorization": f"Bearer {system.token('admin')}", "Idempotency-Key": "web-dash-1"}
    r = httpx.post(f"{system.url('pegawai')}/pegawai", headers=admin, timeout=10,
                   json={"nip": "199202022016042002", "name": "Dewi Lestari",
                         "unor_id": "DEMO-KOMINFO", "jabatan_id": "DEMO-J-PRANATA"})  # fmt: skip
    assert r.status_code == 201, r.text
    j.page.wait_for_function(
        "b => document.querySelector('[data-testid=ledger-size]').textContent !== b",
        arg=before,
        timeout=30_000,
    )
    assert int(j.page.get_attribute("#dashboard", "data-ticks")) >= 1
    # English toggle keeps the numbers readable in English format
    j.page.click("[data-testid=lang-toggle]")
    j.page.wait_for_selector("text=Dashboard")
    assert j.page.get_attribute("html", "lang") == "en"
    j.page.click("[data-testid=lang-toggle]")
    j.page.wait_for_selector("text=Dasbor")
    j.shot()


# -- journey 7: round outcome report --
def test_web_journey_7_round_report(browser: Any, system: RunningSystem) -> None:
    if not STATE.get("round"):
        pytest.skip("the matching service offers no workflow API (rounds/proposals) yet")
    j = Journey(browser, system, "7-round-report")
    j.login("admin")
    j.goto(f"/rounds/{STATE['round']}/report", "/rounds/{id}/report")
    assert j.page.locator("[data-testid=moved]").count() == 1
    if STATE.get("approved"):
        # execute the approved proposals under one SK; the report then lists who moved
        j.page.fill("#sk_number", "800/123/BKPSDM/2026")
        j.page.fill("#sk_date", dd_mm_yyyy(date.today()))
        j.page.click("[data-testid=execute]")
        j.page.wait_for_load_state()
        assert not j.page.locator("[data-problem]").count(), j.page.inner_text("main")
        moved = int(j.page.inner_text("[data-testid=moved-count]"))
        assert moved == STATE["approved"], j.page.inner_text("main")
        assert j.page.locator("[data-testid=moved] tbody tr").count() == moved
    # the gap change per OPD, as formasi computes it (the round's eve against today)
    assert j.page.locator("[data-testid=gap-change-period]").count() == 1
    assert j.page.locator("[data-testid=gap-change] td[data-change]").count() >= 6
    assert "Dinas Kesehatan" in j.page.inner_text("[data-testid=gap-change]")
    j.assert_fits()
    with j.page.expect_download() as dl:
        j.page.click("[data-testid=report-xlsx]")
    data = Path(dl.value.path()).read_bytes()
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames[0] == "Pegawai dimutasi"
    change = list(wb["Perubahan kekurangan"].iter_rows(values_only=True))
    assert len(change) >= 7 and change[0][3] == "Δ"
    j.shot()


def test_web_artifacts_are_written(system: RunningSystem) -> None:
    shots = sorted(p.name for p in ARTIFACTS.glob("*.png"))
    assert {"1-bkd-admin.png", "2-planning.png", "5-auditor.png", "6-dashboard.png"} <= set(shots)
    assert {"3-ppk.png", "4-employee.png", "7-round-report.png"} <= set(shots)
