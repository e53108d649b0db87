"""The web console in the deployment: its compose service and Kubernetes manifests (probes on
/healthz, the four service URLs, secrets from files, sessions pinned to a replica), the image
entry point's `SERVICE=web` mode, and SCALING.md's required parts."""

import importlib.util
import os
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from tatamutasi_cli.services import SERVICES

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
WEB_PORT = 8000
URL_VARS = {
    s.name: f"TATAMUTASI_WEB_{s.name.upper()}_URL" for s in SERVICES
}  # the four service URLs the console calls


def _interpolate(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    return re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*:-([^}]*)\}", r"\1", value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def web(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]["web"]


def web_settings_from(env: dict[str, str]) -> Any:
    """Build the console's settings from exactly this environment (prefix stripped)."""
    from tatamutasi_web.settings import WebSettings

    prefix = "TATAMUTASI_WEB_"
    fields = {k[len(prefix) :].lower(): v for k, v in env.items() if k.startswith(prefix)}
    fields = {k: v for k, v in fields.items() if not k.endswith("_file")}
    return WebSettings(**fields)


# -- compose ---------------------------------------------------------------------------------
def test_compose_web_runs_the_console_from_the_service_image(
    compose: dict[str, Any], web: dict[str, Any]
) -> None:
    pegawai = compose["services"]["pegawai"]
    assert web["image"] == pegawai["image"] and web["build"] == pegawai["build"]
    env = {k: str(_interpolate(v)) for k, v in web["environment"].items()}
    assert env["SERVICE"] == "web"
    assert web["healthcheck"]["test"][-2:] == ["healthcheck", "/healthz"]
    assert any(p.endswith(f":{WEB_PORT}:{WEB_PORT}") for p in web["ports"])
    for s in SERVICES:
        assert env[URL_VARS[s.name]] == f"http://{s.name}:{s.port}"
        assert web["depends_on"][s.name]["condition"] == "service_healthy"
    settings = web_settings_from(env)
    assert settings.port == WEB_PORT and settings.host == "0.0.0.0"
    assert settings.service_urls()["audit"] == "http://audit:8004"


def test_compose_web_secrets_are_files_made_by_dev_secrets(
    compose: dict[str, Any], web: dict[str, Any]
) -> None:
    env = web["environment"]
    script = (DEPLOY / "dev-secrets.sh").read_text(encoding="utf-8")
    for secret in web["secrets"]:
        path = compose["secrets"][secret]["file"]
        assert Path(path).stem in script
        assert f"/run/secrets/{secret}" in env.values()
    for key, value in env.items():
        if re.search(r"SECRET|PASSWORD|TOKEN|PRIVATE", key):
            assert key.endswith("_FILE") and value.startswith("/run/secrets/"), key


# -- Kubernetes ------------------------------------------------------------------------------
def k8s_docs() -> list[dict[str, Any]]:
    return [
        d
        for d in yaml.safe_load_all((DEPLOY / "k8s" / "web.yaml").read_text(encoding="utf-8"))
        if d
    ]


def _one(kind: str) -> dict[str, Any]:
    (doc,) = [d for d in k8s_docs() if d["kind"] == kind]
    return doc


def test_k8s_web_has_probes_on_healthz_and_production_settings() -> None:
    dep = _one("Deployment")
    assert dep["spec"]["replicas"] >= 2
    (c,) = dep["spec"]["template"]["spec"]["containers"]
    (port,) = c["ports"]
    assert port["containerPort"] == WEB_PORT and port["name"] == "http"
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert c[probe]["httpGet"] == {"path": "/healthz", "port": "http"}, probe
    config = _one("ConfigMap")["data"]
    assert config["SERVICE"] == "web"
    for s in SERVICES:
        assert config[URL_VARS[s.name]] == f"http://{s.name}:{s.port}"
    settings = web_settings_from(config)  # production: OIDC required, dev login refused
    assert settings.environment == "production" and settings.oidc_enabled
    assert settings.dev_login is False and settings.cookie_secure is True
    mounts = [m["mountPath"] for m in c["volumeMounts"]]
    secret_file = config["TATAMUTASI_WEB_OIDC_CLIENT_SECRET_FILE"]
    assert any(secret_file.startswith(m + "/") for m in mounts)


def test_k8s_web_service_pins_sessions_to_a_replica() -> None:
    svc = _one("Service")
    assert svc["spec"]["sessionAffinity"] == "ClientIP"
    assert svc["spec"]["ports"][0]["port"] == WEB_PORT
    labels = _one("Deployment")["spec"]["template"]["metadata"]["labels"]
    assert all(labels[k] == v for k, v in svc["spec"]["selector"].items())


def test_k8s_services_accept_the_console_and_the_console_reaches_them() -> None:
    policies = list(
        yaml.safe_load_all((DEPLOY / "k8s" / "network-policies.yaml").read_text("utf-8"))
    )
    services = next(p for p in policies if p and p["metadata"]["name"] == "tatamutasi-services")
    peers = [peer for rule in services["spec"]["ingress"] for peer in rule["from"]]
    assert {"podSelector": {"matchLabels": {
        "app.kubernetes.io/part-of": "tatamutasi", "app.kubernetes.io/component": "web"
    }}} in peers  # fmt: skip
    web_policy = _one("NetworkPolicy")
    out_ports = {p["port"] for rule in web_policy["spec"]["egress"] for p in rule["ports"]}
    assert {s.port for s in SERVICES} <= out_ports
    in_ports = {p["port"] for rule in web_policy["spec"]["ingress"] for p in rule["ports"]}
    assert in_ports == {WEB_PORT}
    kustomization = (DEPLOY / "k8s" / "kustomization.yaml").read_text(encoding="utf-8")
    assert "- web.yaml" in kustomization


# -- the entry point -------------------------------------------------------------------------
@pytest.fixture
def entrypoint() -> ModuleType:
    path = DEPLOY / "docker" / "entrypoint.py"
    spec = importlib.util.spec_from_file_location("tatamutasi_deploy_entrypoint_web", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_entrypoint_serves_the_console_with_secrets_from_files(
    entrypoint: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "client-secret"
    secret.write_text("s3cret\n", encoding="utf-8")
    key = tmp_path / "dev.key"
    key.write_bytes(b"-----KEY-----\n")
    for name in list(os.environ):
        if name.startswith("TATAMUTASI_WEB_"):
            monkeypatch.delenv(name)
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.delenv("HOST", raising=False)
    monkeypatch.delenv("SERVICE_FACTORY", raising=False)
    monkeypatch.setenv("SERVICE", "web")
    monkeypatch.setenv("TATAMUTASI_WEB_OIDC_CLIENT_SECRET_FILE", str(secret))
    monkeypatch.setenv("TATAMUTASI_WEB_DEV_SIGNING_KEY_FILE", str(key))
    monkeypatch.setenv("TATAMUTASI_WEB_DATA_DIR", str(tmp_path / "data"))
    calls: list[list[str]] = []
    monkeypatch.setattr(entrypoint.os, "execvp", lambda prog, argv: calls.append(argv))
    assert entrypoint.port_of(entrypoint.service_entry()) == WEB_PORT
    entrypoint.main(["serve"])
    assert calls and calls[0][1:] == ["-m", "tatamutasi_web"]
    assert os.environ["TATAMUTASI_WEB_OIDC_CLIENT_SECRET"] == "s3cret"
    assert os.environ["TATAMUTASI_WEB_HOST"] == "0.0.0.0"
    copied = tmp_path / "data" / "keys" / "dev-signing-key.pem"
    assert copied.read_bytes() == b"-----KEY-----\n"
    assert copied.stat().st_mode & 0o077 == 0


def test_entrypoint_refuses_an_empty_web_secret_file(
    entrypoint: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "empty").write_text("\n", encoding="utf-8")
    monkeypatch.setenv("SERVICE", "web")
    monkeypatch.setenv("TATAMUTASI_WEB_OIDC_CLIENT_SECRET_FILE", str(tmp_path / "empty"))
    monkeypatch.setattr(entrypoint.os, "execvp", lambda prog, argv: None)
    with pytest.raises(SystemExit):
        entrypoint.main(["serve"])


# -- SCALING.md ------------------------------------------------------------------------------
def test_scaling_plan_covers_what_the_issue_asks_and_cites_the_benchmarks() -> None:
    text = (DEPLOY / "SCALING.md").read_text(encoding="utf-8").lower()
    for topic in (
        "partition key",
        "instansi",
        "partitions per topic",
        "consumer group",
        "replicas",
        "sequencer",
        "checkpoint",
        "4.7",
        "database sizing",
        "breaks first",
        "extrapolation",
        "bench/results.md",
        "bench_scale",
    ):
        assert topic in text, topic
