"""`tatamutasi run`: the whole system on one machine, on embedded defaults.

Starts tansu, runs each service's migrations, starts the four services as separate processes
(each with its own SQLite file under the data folder), loads the demo Pemda once, prints the
URLs, and stops everything cleanly on Ctrl-C."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tatamutasi_cli import demo, demo_formasi, demo_pegawai, demo_workflow
from tatamutasi_cli.services import SERVICES, ServiceEntry
from tatamutasi_pegawai.siasn_fake import fake_service_env
from tatamutasi_platform.auth import ensure_dev_keys, issue_token
from tatamutasi_platform.broker import TansuBroker, port_open

DEMO_MARKER = ".demo-loaded"

# Each loader enriches the demo through the public APIs and returns a one-line summary.
DEMO_LOADERS: tuple[Callable[[dict[str, str], str], str], ...] = (
    demo_formasi.load,
    demo_pegawai.load,
    demo_workflow.load,
    demo_pegawai.load_siasn,
)


@dataclass
class RunConfig:
    data_dir: Path
    host: str = "127.0.0.1"
    broker_port: int = 19092
    ports: dict[str, int] = field(default_factory=lambda: {s.name: s.port for s in SERVICES})
    load_demo: bool = True
    database_urls: dict[str, str] = field(default_factory=dict)
    kafka_bootstrap: str | None = None  # use an external broker instead of starting tansu
    web_port: int = field(
        default_factory=lambda: int(os.environ.get("TATAMUTASI_WEB_PORT", "8000"))
    )
    # A fake SIASN (synthetic data, DOMAIN.md §1) so sync and write-back can be tried; off when
    # the environment already points pegawai at a SIASN (PEGAWAI_SIASN_API_BASE_URL).
    siasn_port: int = field(
        default_factory=lambda: int(os.environ.get("TATAMUTASI_SIASN_FAKE_PORT", "18250"))
    )
    fake_siasn: bool = field(default_factory=lambda: "PEGAWAI_SIASN_API_BASE_URL" not in os.environ)


def service_env(
    cfg: RunConfig,
    svc: ServiceEntry,
    public_key: Path,
    bootstrap: str,
    *,
    producer_token: str | None = None,
    siasn_url: str | None = None,
) -> dict[str, str]:
    """Environment of one service process. The audit service also learns where each
    producer's replay endpoint is (completeness repair) and keeps its keys under data/; the
    pegawai service is pointed at the fake SIASN when one runs."""
    p = svc.prefix
    url = cfg.database_urls.get(svc.name) or f"sqlite:///{cfg.data_dir / (svc.name + '.db')}"
    env = {
        f"{p}_DATABASE_URL": url,
        f"{p}_KAFKA_BOOTSTRAP": bootstrap,
        f"{p}_AUTH_PUBLIC_KEY_FILE": str(public_key),
        f"{p}_ENVIRONMENT": "development",
        f"{p}_DATA_DIR": str(cfg.data_dir),
    }
    if svc.name == "audit":
        producers = {
            f"/tatamutasi/{other.name}": f"http://{cfg.host}:{cfg.ports[other.name]}"
            for other in SERVICES
        }
        env["AUDIT_PRODUCER_URLS"] = json.dumps(producers)
        if producer_token:
            env["AUDIT_PRODUCER_TOKEN"] = producer_token
    if svc.name == "pegawai" and siasn_url:
        env.update(fake_service_env(siasn_url, seed=FAKE_SIASN_SEED))
    return env


FAKE_SIASN_SEED = 1


def start_fake_siasn(cfg: RunConfig, log_path: Path) -> subprocess.Popen[bytes]:
    log = open(log_path, "ab")  # noqa: SIM115 - owned by the child for its lifetime
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tatamutasi_cli.main",
            "siasn",
            "fake-server",
            "--host",
            cfg.host,
            "--port",
            str(cfg.siasn_port),
            "--employees",
            "200",
            "--seed",
            str(FAKE_SIASN_SEED),
            "--nips-out",
            str(cfg.data_dir / "siasn-nips.csv"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def start_service(
    cfg: RunConfig, svc: ServiceEntry, env: dict[str, str], log_path: Path
) -> subprocess.Popen[bytes]:
    log = open(log_path, "ab")  # noqa: SIM115 - owned by the child for its lifetime
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            svc.factory,
            "--host",
            cfg.host,
            "--port",
            str(cfg.ports[svc.name]),
            "--no-access-log",
            "--timeout-graceful-shutdown",
            "10",
        ],
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def start_web(cfg: RunConfig, base_urls: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """The web console (tatamutasi_web), talking to the services through their public APIs."""
    env = {
        "TATAMUTASI_WEB_HOST": cfg.host,
        "TATAMUTASI_WEB_PORT": str(cfg.web_port),
        "TATAMUTASI_WEB_DATA_DIR": str(cfg.data_dir),
        **{f"TATAMUTASI_WEB_{name.upper()}_URL": url for name, url in base_urls.items()},
    }
    log = open(log_path, "ab")  # noqa: SIM115 - owned by the child for its lifetime
    return subprocess.Popen(
        [sys.executable, "-m", "tatamutasi_web"],
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_healthy(
    url: str, proc: subprocess.Popen[bytes], timeout: float = 90, *, path: str = "/healthz"
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited with code {proc.returncode}")
        try:
            if httpx.get(url + path, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not become healthy in {timeout}s")


def load_demo(base_urls: dict[str, str], token: str) -> int:
    """Register the demo employees through the API. Idempotency keys make a re-run safe."""
    created = 0
    with httpx.Client(
        base_url=base_urls["pegawai"], timeout=30, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        for p in demo.demo_pegawai():
            r = client.post(
                "/pegawai",
                json={
                    "nip": p.nip,
                    "name": p.name,
                    "unor_id": p.unor_id,
                    "jabatan_id": p.jabatan_id,
                },
                headers={"Idempotency-Key": f"demo-{p.nip}"},
            )
            if r.status_code == 201:
                created += 1
            elif r.status_code != 409:
                raise RuntimeError(f"demo load failed: {r.status_code} {r.text[:300]}")
    return created


def stop_all(procs: Sequence[subprocess.Popen[bytes]], timeout: float = 15) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for p in procs:
        try:
            p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def run(cfg: RunConfig, echo=print) -> int:  # type: ignore[no-untyped-def]
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    logs = cfg.data_dir / "logs"
    logs.mkdir(exist_ok=True)
    private_key, public_key = ensure_dev_keys(cfg.data_dir / "keys")
    # demo loaders sign the reviewer, PPK and employee tokens with the key under this folder
    os.environ["TATAMUTASI_DATA_DIR"] = str(cfg.data_dir.resolve())
    if port_open(cfg.host, cfg.web_port):
        echo(f"Port {cfg.web_port} (web) is in use; choose another with TATAMUTASI_WEB_PORT.")
        return 2
    for svc in SERVICES:
        if port_open(cfg.host, cfg.ports[svc.name]):
            echo(
                f"Port {cfg.ports[svc.name]} ({svc.name}) is in use; choose another with "
                f"--{svc.name}-port or stop what runs there."
            )
            return 2

    broker: TansuBroker | None = None
    if cfg.kafka_bootstrap:
        bootstrap = cfg.kafka_bootstrap
    else:
        if port_open(cfg.host, cfg.broker_port):
            echo(f"Port {cfg.broker_port} (broker) is in use; choose another with --broker-port.")
            return 2
        broker = TansuBroker(cfg.broker_port, log_file=logs / "tansu.log")
        echo(f"Starting broker (tansu) on {cfg.host}:{cfg.broker_port} ...")
        broker.start()
        bootstrap = broker.bootstrap

    procs: list[subprocess.Popen[bytes]] = []
    web: list[subprocess.Popen[bytes]] = []
    helpers: list[subprocess.Popen[bytes]] = []  # the fake SIASN
    interrupted = False
    serving = False  # set once everything is up; before that a signal aborts the start

    def _on_signal(signum: int, _frame: object) -> None:
        nonlocal interrupted
        interrupted = True
        if not serving:
            # starting or loading the demo (long blocking calls): stop now, so `finally`
            # stops what was started instead of leaving orphans behind a killed parent
            raise KeyboardInterrupt

    old_int = signal.signal(signal.SIGINT, _on_signal)
    old_term = signal.signal(signal.SIGTERM, _on_signal)
    try:
        siasn_url: str | None = None
        if cfg.fake_siasn:
            if port_open(cfg.host, cfg.siasn_port):
                echo(
                    f"Port {cfg.siasn_port} (fake SIASN) is in use; choose another with "
                    "TATAMUTASI_SIASN_FAKE_PORT."
                )
                return 2
            echo(f"Starting a fake SIASN (synthetic data) on port {cfg.siasn_port} ...")
            helpers.append(start_fake_siasn(cfg, logs / "siasn-fake.log"))
            siasn_url = f"http://{cfg.host}:{cfg.siasn_port}"
            wait_healthy(siasn_url, helpers[-1], path="/admin/stats")
        base_urls = {}
        replay_token = issue_token(
            private_key.read_bytes(), sub="svc-audit", roles=["integration"], ttl_s=30 * 86400
        )
        for svc in SERVICES:
            env = service_env(
                cfg, svc, public_key, bootstrap, producer_token=replay_token, siasn_url=siasn_url
            )
            echo(
                f"Starting {svc.name} on port {cfg.ports[svc.name]} (log: "
                f"{logs / (svc.name + '.log')}) ..."
            )
            procs.append(start_service(cfg, svc, env, logs / f"{svc.name}.log"))
            base_urls[svc.name] = f"http://{cfg.host}:{cfg.ports[svc.name]}"
        for svc, proc in zip(SERVICES, procs, strict=True):
            wait_healthy(base_urls[svc.name], proc)
        admin_token = issue_token(
            private_key.read_bytes(), sub="demo-admin", roles=["admin"], name="Admin Demo"
        )
        marker = cfg.data_dir / DEMO_MARKER
        if cfg.load_demo and not marker.exists():
            n = load_demo(base_urls, admin_token)
            echo(f"Loaded the demo Pemda: {demo.PEMDA_NAME}, {n} pegawai.")
            for loader in DEMO_LOADERS:
                echo("  " + loader(base_urls, admin_token))
            marker.write_text(f"{demo.PEMDA_NAME}\n{n} pegawai\n")
        web_url = f"http://{cfg.host}:{cfg.web_port}"
        web.append(start_web(cfg, base_urls, logs / "web.log"))
        wait_healthy(web_url, web[0])
        echo("")
        echo("TataMutasi is running (Ctrl-C stops everything):")
        echo(f"  web       {web_url}/  (console; log in as a development user)")
        for svc in SERVICES:
            echo(f"  {svc.name:<9} {base_urls[svc.name]}/docs")
        echo(f"  broker    {bootstrap}")
        echo("")
        echo("Get a token:   .venv/bin/tatamutasi token --role admin")
        echo("               .venv/bin/tatamutasi token --role auditor")
        echo(
            'Try:           curl -H "Authorization: Bearer $TOKEN" '
            f"{base_urls['audit']}/ledger/entries"
        )
        serving = True
        while not interrupted:
            for svc, proc in zip(SERVICES, procs, strict=True):
                if proc.poll() is not None:
                    echo(
                        f"{svc.name} stopped unexpectedly (code {proc.returncode}); see "
                        f"{logs / (svc.name + '.log')}"
                    )
                    return 1
            if web[0].poll() is not None:
                echo(f"web stopped unexpectedly (code {web[0].returncode}); see {logs / 'web.log'}")
                return 1
            time.sleep(0.5)
        echo("Stopping ...")
        return 0
    except KeyboardInterrupt:
        echo("Interrupted while starting; stopping what was started ...")
        return 130
    finally:
        stop_all(web + procs + helpers)
        if broker is not None:
            broker.stop()
        signal.signal(signal.SIGINT, old_int)
        signal.signal(signal.SIGTERM, old_term)
