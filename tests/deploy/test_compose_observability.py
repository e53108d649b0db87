"""Static checks of the monitoring and Kafka-HA parts of deploy/compose.yaml: Prometheus
(deploy/prometheus/prometheus.yml), Grafana (deploy/grafana/: datasource, dashboard
provider, dashboard JSON) and the `kafka-ha` profile with deploy/kafka-ha.env.

The dashboard is checked against the metrics the services really expose: the metric
families of `tatamutasi_platform.metrics.Metrics`, so a renamed metric fails here."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tatamutasi_cli.services import SERVICES, ServiceEntry
from tatamutasi_contracts import ALL_TOPICS, dlq_topic
from tatamutasi_platform.metrics import Metrics

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_FILE = DEPLOY / "compose.yaml"
PROMETHEUS_FILE = DEPLOY / "prometheus" / "prometheus.yml"
GRAFANA = DEPLOY / "grafana"
DASHBOARD_FILE = GRAFANA / "dashboards" / "tatamutasi.json"
HA_ENV_FILE = DEPLOY / "kafka-ha.env"
SERVICE_IDS = [s.name for s in SERVICES]

_INTERPOLATION = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")


def interpolate(value: Any, env: dict[str, str] | None = None) -> Any:
    """Compose interpolation: `${X:-d}` -> env[X] or d, `$$` -> $."""
    if not isinstance(value, str):
        return value
    env = env or {}

    def repl(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name, default = m.group(1), m.group(2)
        if env.get(name):
            return env[name]
        assert default is not None, f"{m.group(0)} has no default"
        return default

    return _INTERPOLATION.sub(repl, value)


def env_of(svc: dict[str, Any], env: dict[str, str] | None = None) -> dict[str, str]:
    return {k: str(interpolate(v, env)) for k, v in (svc.get("environment") or {}).items()}


def read_env_file(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            out[key] = value
    return out


def bind_mounts(svc: dict[str, Any]) -> dict[str, str]:
    """container path -> host path (relative to deploy/) of the `./...` volumes."""
    out = {}
    for v in svc.get("volumes") or []:
        parts = str(v).split(":")
        if parts[0].startswith("./"):
            out[parts[1]] = parts[0]
    return out


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


@pytest.fixture(scope="module")
def prometheus_config() -> dict[str, Any]:
    return yaml.safe_load(PROMETHEUS_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD_FILE.read_text(encoding="utf-8"))


def expressions(dashboard: dict[str, Any]) -> list[str]:
    return [t["expr"] for p in dashboard["panels"] for t in p.get("targets") or []]


def exposed_series() -> dict[str, str]:
    """Series name -> metric family, as prometheus-client exposes the services' metrics
    (counters get `_total`, histograms `_bucket`/`_sum`/`_count`)."""
    out = {}
    for family in Metrics().registry.collect():
        if family.type == "counter":
            out[family.name + "_total"] = family.name
        elif family.type == "histogram":
            for suffix in ("_bucket", "_sum", "_count"):
                out[family.name + suffix] = family.name
        else:
            out[family.name] = family.name
    return out


# -- Prometheus ------------------------------------------------------------------------------
def test_prometheus_service_mounts_its_config(services: dict[str, dict[str, Any]]) -> None:
    prom = services["prometheus"]
    assert re.fullmatch(r"prom/prometheus:v\d+\.\d+\.\d+", prom["image"])
    mounts = bind_mounts(prom)
    assert mounts["/etc/prometheus/prometheus.yml"] == "./prometheus/prometheus.yml"
    assert "--config.file=/etc/prometheus/prometheus.yml" in prom["command"]
    assert prom.get("read_only") is True
    assert any(str(v).endswith(":/prometheus") for v in prom["volumes"]), "TSDB on a volume"


@pytest.mark.parametrize("entry", SERVICES, ids=SERVICE_IDS)
def test_prometheus_scrapes_every_replica_of_each_service(
    prometheus_config: dict[str, Any], services: dict[str, dict[str, Any]], entry: ServiceEntry
) -> None:
    jobs = {j["job_name"]: j for j in prometheus_config["scrape_configs"]}
    job = jobs[entry.name]
    assert job.get("metrics_path", "/metrics") == "/metrics"
    svc = services[entry.name]
    assert svc["labels"]["tatamutasi.metrics.path"] == "/metrics"
    assert int(svc["labels"]["tatamutasi.metrics.port"]) == entry.port
    (sd,) = job["dns_sd_configs"]
    assert sd["names"] == [entry.name] and entry.name in services
    assert sd["type"] == "A" and sd["port"] == entry.port
    (relabel,) = job["relabel_configs"]
    assert relabel == {"target_label": "service", "replacement": entry.name}


# -- Grafana ---------------------------------------------------------------------------------
def test_grafana_is_provisioned_read_only_with_a_secret_password(
    services: dict[str, dict[str, Any]],
) -> None:
    grafana = services["grafana"]
    assert re.fullmatch(r"grafana/grafana:\d+\.\d+\.\d+", grafana["image"])
    mounts = bind_mounts(grafana)
    for container_path, host_path in mounts.items():
        assert (DEPLOY / host_path).is_dir(), host_path
        assert any(
            str(v).startswith(f"{host_path}:{container_path}:ro") for v in grafana["volumes"]
        )
    env = env_of(grafana)
    assert "GF_SECURITY_ADMIN_PASSWORD" not in env
    assert env["GF_SECURITY_ADMIN_PASSWORD__FILE"] == "/run/secrets/grafana_admin_password"
    assert "grafana_admin_password" in grafana["secrets"]
    assert env["GF_AUTH_ANONYMOUS_ENABLED"] == "false"
    assert grafana["depends_on"]["prometheus"]["condition"] == "service_healthy"

    provisioning = GRAFANA / "provisioning"
    assert mounts["/etc/grafana/provisioning"] == "./grafana/provisioning"
    (ds,) = yaml.safe_load((provisioning / "datasources" / "prometheus.yaml").read_text())[
        "datasources"
    ]
    assert ds["type"] == "prometheus" and ds["url"] == "http://prometheus:9090"
    (provider,) = yaml.safe_load((provisioning / "dashboards" / "tatamutasi.yaml").read_text())[
        "providers"
    ]
    dash_dir = provider["options"]["path"]
    assert mounts[dash_dir] == "./grafana/dashboards"
    default_home = env["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert default_home == f"{dash_dir}/{DASHBOARD_FILE.name}"


def test_dashboard_uses_the_provisioned_datasource_and_repeats_per_service(
    dashboard: dict[str, Any],
) -> None:
    ds = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yaml").read_text())
    uid = ds["datasources"][0]["uid"]
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["current"]["value"] == uid
    service_var = variables["service"]
    assert service_var["multi"] and service_var["includeAll"]
    rows = [p for p in dashboard["panels"] if p["type"] == "row"]
    assert [r.get("repeat") for r in rows] == ["service"]
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for p in dashboard["panels"]:
        if p["type"] == "row":
            continue
        assert p["datasource"]["uid"] == "${datasource}"
        for t in p["targets"]:
            assert 'service="$service"' in t["expr"], f"{p['title']}: not per service"


def test_dashboard_metrics_exist_and_every_metric_is_shown(dashboard: dict[str, Any]) -> None:
    series = exposed_series()
    used = set()
    for expr in expressions(dashboard):
        for name in re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{", expr):
            assert name in series, f"{name} is not a metric the services expose"
            used.add(series[name])
    assert used == set(series.values()), f"not on the dashboard: {set(series.values()) - used}"


def test_dashboard_has_the_required_panels(dashboard: dict[str, Any]) -> None:
    exprs = expressions(dashboard)

    def has(*patterns: str) -> bool:
        return any(all(re.search(p, e) for p in patterns) for e in exprs)

    assert has(r"rate\(http_requests_total", r"by \(route\)")
    for q in ("0.5", "0.99"):
        assert has(rf"histogram_quantile\({q},", r"http_request_duration_seconds_bucket", "route")
    assert has(r"http_requests_total", r'status=~"4\.\."')
    assert has(r"http_requests_total", r'status=~"5\.\."')
    assert has(r"outbox_pending_events")
    assert has(r"rate\(outbox_published_events_total")
    assert has(r"outbox_relay_errors_total")
    assert has(r"consumer_events_total", r'outcome="applied"')
    assert has(r"consumer_events_total", r'outcome="dead_lettered"')
    assert has(r"broker_connected")


def test_outcome_labels_match_the_consumer_code() -> None:
    source = (ROOT / "services/platform/src/tatamutasi_platform/consumer.py").read_text()
    outcomes = set(re.findall(r'consumed\.labels\(self\.name, "([a-z_]+)"\)', source))
    assert outcomes == {"applied", "dead_lettered"}


# -- the kafka-ha profile --------------------------------------------------------------------
@pytest.fixture(scope="module")
def ha_env() -> dict[str, str]:
    return read_env_file(HA_ENV_FILE)


def kafka_nodes(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        name: s
        for name, s in services.items()
        if str(s.get("image", "")).startswith("apache/kafka:") and "KAFKA_NODE_ID" in env_of(s)
    }


def test_kafka_ha_profile_forms_one_quorum_of_three(
    services: dict[str, dict[str, Any]], ha_env: dict[str, str]
) -> None:
    assert ha_env["COMPOSE_PROFILES"] == "kafka-ha"
    nodes = kafka_nodes(services)
    assert len(nodes) == 3
    default = [n for n, s in nodes.items() if not s.get("profiles")]
    assert default == ["kafka"], "one node without the profile: the single-node default"
    for name, s in nodes.items():
        if name != "kafka":
            assert s["profiles"] == ["kafka-ha"]
            assert s.get("healthcheck", {}).get("test")
    envs = {name: env_of(s, ha_env) for name, s in nodes.items()}
    ids = {e["KAFKA_NODE_ID"] for e in envs.values()}
    assert len(ids) == 3
    expected_voters = {f"{e['KAFKA_NODE_ID']}@{n}:9093" for n, e in envs.items()}
    for name, e in envs.items():
        assert set(e["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")) == expected_voters, name
        assert set(e["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
        assert e["CLUSTER_ID"] == envs["kafka"]["CLUSTER_ID"]
        assert f"PLAINTEXT://{name}:9092" in e["KAFKA_ADVERTISED_LISTENERS"]
        assert e["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
        assert int(e["KAFKA_DEFAULT_REPLICATION_FACTOR"]) == 3
        assert int(e["KAFKA_MIN_INSYNC_REPLICAS"]) == 2
        assert int(e["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"]) == 3
    # without the env file, the default node is a quorum of one
    assert env_of(nodes["kafka"])["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka:9093"


def test_kafka_ha_topics_are_replicated_three_times(
    services: dict[str, dict[str, Any]], ha_env: dict[str, str]
) -> None:
    init = services["kafka-init-topics"]
    env = env_of(init, ha_env)
    assert int(env["REPLICATION_FACTOR"]) == 3 and int(env["MIN_ISR"]) == 2
    assert int(env_of(init)["REPLICATION_FACTOR"]) == 1, "single node by default"
    script = " ".join(init["command"])
    assert '--replication-factor "$$REPLICATION_FACTOR"' in script
    assert "min.insync.replicas=$$MIN_ISR" in script
    created = set(re.findall(r"tatamutasi\.[a-z0-9_-]+\.v\d+(?:\.dlq)?", script))
    assert created == {n for t in ALL_TOPICS for n in (t, dlq_topic(t))}
    deps = init["depends_on"]
    for node in kafka_nodes(services):
        assert deps[node]["condition"] == "service_healthy"
        assert deps[node].get("required", True) is (node == "kafka")


@pytest.mark.parametrize("entry", SERVICES, ids=SERVICE_IDS)
def test_services_bootstrap_from_every_ha_node(
    services: dict[str, dict[str, Any]], ha_env: dict[str, str], entry: ServiceEntry
) -> None:
    env = env_of(services[entry.name], ha_env)
    bootstrap = set(env[f"{entry.prefix}_KAFKA_BOOTSTRAP"].split(","))
    assert bootstrap == {f"{n}:9092" for n in kafka_nodes(services)}
    assert env_of(services[entry.name])[f"{entry.prefix}_KAFKA_BOOTSTRAP"] == "kafka:9092"


def test_audit_gets_its_ledger_keys_as_secrets(services: dict[str, dict[str, Any]]) -> None:
    env = env_of(services["audit"])
    for var in ("AUDIT_SIGNING_KEY_FILE", "AUDIT_PSEUDONYM_KEY_FILE"):
        assert env[var].startswith("/run/secrets/")
        assert env[var].rsplit("/", 1)[1] in services["audit"]["secrets"]
    assert env["AUDIT_LOG_ORIGIN"]
    script = (DEPLOY / "dev-secrets.sh").read_text(encoding="utf-8")
    assert "TATAMUTASI_LOG_ORIGIN:-" + env["AUDIT_LOG_ORIGIN"] in script, (
        "dev-secrets.sh names the signing key after the same origin"
    )


@pytest.mark.slow  # runs the CLI (token keys) and Python (ledger key): seconds
def test_dev_secrets_makes_every_compose_secret_and_the_audit_keys_load(
    compose: dict[str, Any], services: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    cli = Path(sys.executable).with_name("tatamutasi")
    if not cli.exists():
        pytest.skip(f"the tatamutasi CLI is not installed beside {sys.executable}")
    script = tmp_path / "dev-secrets.sh"
    shutil.copy(DEPLOY / "dev-secrets.sh", script)
    run = subprocess.run(
        ["sh", str(script)],
        env={**os.environ, "TATAMUTASI": str(cli)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    for secret in compose["secrets"].values():
        path = tmp_path / secret["file"]
        assert path.is_file() and path.stat().st_size > 0, secret["file"]

    from tatamutasi_audit.service.keys import load_keys
    from tatamutasi_audit.settings import AuditSettings

    files = {name: tmp_path / s["file"] for name, s in compose["secrets"].items()}
    env = env_of(services["audit"])
    settings = AuditSettings(
        environment="production",
        auth_public_key_file=files["auth_public_key"],
        signing_key_file=files[Path(env["AUDIT_SIGNING_KEY_FILE"]).name],
        pseudonym_key_file=files[Path(env["AUDIT_PSEUDONYM_KEY_FILE"]).name],
        log_origin=env["AUDIT_LOG_ORIGIN"],
    )
    assert load_keys(settings).origin == env["AUDIT_LOG_ORIGIN"]
