"""The demo formasi loader and the `tatamutasi formasi` commands, against the real app."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tatamutasi_cli import demo, demo_formasi, formasi_cmd

Headers = Callable[..., dict[str, str]]


def bridge(client: TestClient) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        r = client.request(
            request.method,
            request.url.raw_path.decode(),
            headers=dict(request.headers),
            content=request.content,
        )
        return httpx.Response(r.status_code, headers=r.headers, content=r.content)

    return httpx.MockTransport(handle)


def test_demo_loads_once_and_gives_a_meaningful_gap_report(
    formasi: TestClient,
    make_token: Callable[..., str],
    feed: Callable[..., None],
    events: Any,
    outbox: Any,
) -> None:
    token = make_token("admin", sub="demo-admin")
    first = demo_formasi.load({"formasi": "http://formasi"}, token, transport=bridge(formasi))
    assert first.startswith("formasi: 7 units, 7 jabatan, 41 needs")
    n_events = len(outbox())
    second = demo_formasi.load({"formasi": "http://formasi"}, token, transport=bridge(formasi))
    assert second.startswith("formasi: 0 units, 0 jabatan, 0 needs")
    assert len(outbox()) == n_events
    feed(*(events.registered(p.nip, p.unor_id, p.jabatan_id) for p in demo.demo_pegawai()))
    h = {"Authorization": f"Bearer {token}"}
    report = formasi.get("/gaps", headers=h).json()
    assert report["totals"]["filled"] == 36 and report["unknown_units"] == []
    assert report["totals"]["need"] > report["totals"]["filled"]
    assert report["totals"]["vacant"] > 0 and report["vacant_structural"]
    assert {g["key"] for g in report["by_opd"]} == {u for u, _ in demo.OPD}
    analis = next(
        n
        for n in formasi.get("/needs", params={"jabatan_id": "DEMO-J-ANALIS"}, headers=h).json()[
            "items"
        ]
    )
    assert analis["basis"]["items"] and analis["abk_result"] > 0


@pytest.fixture
def cli(formasi: TestClient, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setattr(formasi_cmd, "TRANSPORT", bridge(formasi))
    return CliRunner()


def test_cli_demo_template_import_summary_export(
    cli: CliRunner, make_token: Callable[..., str], tmp_path: Path
) -> None:
    env = {"TATAMUTASI_TOKEN": make_token("admin"), "TATAMUTASI_FORMASI_URL": "http://formasi"}
    r = cli.invoke(formasi_cmd.app, ["demo"], env=env)
    assert r.exit_code == 0, r.output
    template = tmp_path / "t.xlsx"
    assert cli.invoke(formasi_cmd.app, ["template", str(template)], env=env).exit_code == 0
    assert template.stat().st_size > 0
    r = cli.invoke(formasi_cmd.app, ["import-needs", str(template), "--dry-run"], env=env)
    assert r.exit_code == 0 and "0 rows" in r.output
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"nope")
    assert cli.invoke(formasi_cmd.app, ["import-needs", str(bad)], env=env).exit_code == 1
    r = cli.invoke(formasi_cmd.app, ["summary"], env=env)
    assert r.exit_code == 0 and "kebutuhan" in r.output
    out = tmp_path / "gaps.xlsx"
    r = cli.invoke(formasi_cmd.app, ["export", str(out), "--opd", "DEMO-DINKES"], env=env)
    assert r.exit_code == 0 and out.stat().st_size > 0
    denied = cli.invoke(formasi_cmd.app, ["summary"], env={**env, "TATAMUTASI_TOKEN": "x"})
    assert denied.exit_code == 1


def test_cli_change_summary_since_and_export_as_of(
    cli: CliRunner,
    make_token: Callable[..., str],
    feed: Callable[..., None],
    events: Any,
    tmp_path: Path,
) -> None:
    env = {"TATAMUTASI_TOKEN": make_token("admin"), "TATAMUTASI_FORMASI_URL": "http://formasi"}
    assert cli.invoke(formasi_cmd.app, ["demo"], env=env).exit_code == 0
    people = list(demo.demo_pegawai())
    feed(*(events.registered(p.nip, p.unor_id, p.jabatan_id) for p in people))
    moved = people[0]
    feed(events.placed(moved.nip, "DEMO-DINKES", "DEMO-J-ANALIS"))
    r = cli.invoke(formasi_cmd.app, ["change", "--before", "2026-10-15"], env=env)
    assert r.exit_code == 0, r.output
    assert r.output.startswith("Kekurangan pegawai") and "→" in r.output
    r = cli.invoke(formasi_cmd.app, ["change", "--before", "2026-10-15", "--json"], env=env)
    body = json.loads(r.output)
    assert body["before"] == "2026-10-15" and body["totals_before"]["filled"] == 0
    assert body["totals_after"]["filled"] == len(people)
    r = cli.invoke(formasi_cmd.app, ["summary", "--since", "2026-10-15", "--json"], env=env)
    assert r.exit_code == 0 and json.loads(r.output)["change"]["before"] == "2026-10-15"
    bad = cli.invoke(formasi_cmd.app, ["change", "--before", "2030-01-01"], env=env)
    assert bad.exit_code == 1
    out = tmp_path / "past.xlsx"
    r = cli.invoke(formasi_cmd.app, ["export", str(out), "--as-of", "2026-10-15"], env=env)
    assert r.exit_code == 0 and out.stat().st_size > 0
