"""Static checks of the deployment files: deploy/compose.yaml, deploy/Procfile,
deploy/postgres/init.sql, the Dockerfile, .dockerignore and the image's entry point.

Docker is not needed: the files are parsed and checked against the code they run (service
entries, settings classes, topics), so a renamed factory, env var or topic fails here."""

import importlib
import importlib.util
import re
import socket
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from tatamutasi_cli.services import SERVICES, ServiceEntry
from tatamutasi_contracts import ALL_TOPICS, dlq_topic
from tatamutasi_platform.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_FILE = DEPLOY / "compose.yaml"
PROCFILE = DEPLOY / "Procfile"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
INIT_SQL = DEPLOY / "postgres" / "init.sql"
ENTRYPOINT = DEPLOY / "docker" / "entrypoint.py"

EXPECTED_TOPICS = {name for t in ALL_TOPICS for name in (t, dlq_topic(t))}
SERVICE_IDS = [s.name for s in SERVICES]
PREFIXES = {s.prefix for s in SERVICES}
SECRETS_DIR = "/run/secrets/"


# -- helpers ---------------------------------------------------------------------------------
_INTERPOLATION = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def interpolate(value: Any) -> Any:
    """Compose variable interpolation with every variable unset: `${X:-d}` -> d, `$$` -> $."""
    if not isinstance(value, str):
        return value

    def repl(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        op, arg = m.group(2), m.group(3)
        if op in (":-", "-"):
            return arg
        raise AssertionError(f"{m.group(0)!r} has no default; the file must run as it is")

    return _INTERPOLATION.sub(repl, value)


def walk_strings(node: Any, path: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for k, v in node.items():
            out += walk_strings(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += walk_strings(v, f"{path}[{i}]")
    elif isinstance(node, str):
        out.append((path, node))
    return out


def env_of(svc: dict[str, Any]) -> dict[str, str]:
    env = svc.get("environment") or {}
    if isinstance(env, list):  # KEY=VALUE form
        env = dict(item.split("=", 1) for item in env)
    return {k: str(interpolate(v)) for k, v in env.items()}


def secret_targets(svc: dict[str, Any]) -> set[str]:
    """Paths where the service's secrets are mounted."""
    out = set()
    for s in svc.get("secrets") or []:
        if isinstance(s, str):
            out.add(SECRETS_DIR + s)
        else:
            target = s.get("target", s["source"])
            out.add(target if target.startswith("/") else SECRETS_DIR + target)
    return out


def depends(svc: dict[str, Any]) -> dict[str, str]:
    deps = svc.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (cfg or {}).get("condition", "service_started") for name, cfg in deps.items()}


def command_text(svc: dict[str, Any]) -> str:
    parts: list[str] = []
    for key in ("entrypoint", "command"):
        v = svc.get(key)
        parts += v if isinstance(v, list) else [v or ""]
    return interpolate(" ".join(parts))


def is_false(value: str) -> bool:
    return value.strip().lower() in ("false", "0", "no", "off")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


@pytest.fixture(scope="module")
def one_shot_jobs(services: dict[str, dict[str, Any]]) -> set[str]:
    """Services that others wait for with `service_completed_successfully`."""
    return {
        dep
        for svc in services.values()
        for dep, cond in depends(svc).items()
        if cond == "service_completed_successfully"
    }


# -- compose.yaml ----------------------------------------------------------------------------
def test_every_service_has_a_healthcheck_or_is_a_one_shot_job(
    services: dict[str, dict[str, Any]], one_shot_jobs: set[str]
) -> None:
    assert one_shot_jobs, "no one-shot job found"
    for name, svc in services.items():
        if name in one_shot_jobs:
            assert str(svc.get("restart", "no")) in ("no", "on-failure"), name
            continue
        hc = svc.get("healthcheck")
        assert hc and not hc.get("disable") and hc.get("test"), f"{name} has no healthcheck"


def test_dependencies_exist_and_wait_for_health(
    services: dict[str, dict[str, Any]], one_shot_jobs: set[str]
) -> None:
    for name, svc in services.items():
        for dep, cond in depends(svc).items():
            assert dep in services, f"{name} depends on unknown {dep}"
            expected = (
                "service_completed_successfully" if dep in one_shot_jobs else "service_healthy"
            )
            assert cond == expected, f"{name} -> {dep}: {cond}"


@pytest.mark.parametrize("entry", SERVICES, ids=SERVICE_IDS)
def test_service_environment(services: dict[str, dict[str, Any]], entry: ServiceEntry) -> None:
    assert entry.name in services
    svc = services[entry.name]
    env = env_of(svc)
    p = entry.prefix
    assert env.get("SERVICE") == entry.name
    assert env[f"{p}_ENVIRONMENT"] == "production"
    assert is_false(env[f"{p}_MIGRATE_ON_START"])
    assert is_false(env[f"{p}_KAFKA_CREATE_TOPICS"])
    assert int(env[f"{p}_KAFKA_PARTITIONS"]) >= 1
    assert env[f"{p}_KAFKA_BOOTSTRAP"]
    assert f"{p}_AUTH_PUBLIC_KEY_FILE" in env or f"{p}_AUTH_JWKS_URL" in env

    url = make_url(env[f"{p}_DATABASE_URL"])
    assert url.get_backend_name() == "postgresql"
    assert url.database == entry.name, "one database per service"
    assert url.password is None, "the password comes from a file, not the URL"
    mounted = secret_targets(svc)
    for var in env:
        if var.endswith("_FILE"):
            assert env[var] in mounted, f"{var}={env[var]} is not a mounted secret"

    for key in env:  # no copy-paste from another service
        for other in PREFIXES - {p}:
            assert not key.startswith(other + "_"), f"{entry.name} sets {key}"


@pytest.mark.parametrize("entry", SERVICES, ids=SERVICE_IDS)
def test_service_environment_is_accepted_by_its_settings(
    services: dict[str, dict[str, Any]], entry: ServiceEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = importlib.import_module(f"{entry.package}.settings")
    (cls,) = [
        c
        for c in vars(module).values()
        if isinstance(c, type) and issubclass(c, ServiceSettings) and c is not ServiceSettings
    ]
    for key, value in env_of(services[entry.name]).items():
        monkeypatch.setenv(key, value)
    s = cls()
    assert s.environment == "production"
    assert s.migrate_on_start is False
    assert s.kafka_create_topics is False
    assert s.service_name == entry.name


@pytest.mark.parametrize("entry", SERVICES, ids=SERVICE_IDS)
def test_each_service_depends_on_its_migration_job(
    services: dict[str, dict[str, Any]], one_shot_jobs: set[str], entry: ServiceEntry
) -> None:
    deps = depends(services[entry.name])
    jobs = [
        d
        for d, cond in deps.items()
        if cond == "service_completed_successfully"
        and command_text(services[d]).split() == ["migrate"]
    ]
    assert len(jobs) == 1, f"{entry.name} must wait for exactly one migration job: {deps}"
    job = services[jobs[0]]
    job_env, svc_env = env_of(job), env_of(services[entry.name])
    assert job_env["SERVICE"] == entry.name
    p = entry.prefix
    assert job_env[f"{p}_DATABASE_URL"] == svc_env[f"{p}_DATABASE_URL"]
    assert job_env.get(f"{p}_DATABASE_PASSWORD_FILE") == svc_env.get(f"{p}_DATABASE_PASSWORD_FILE")
    assert job.get("image") == services[entry.name].get("image"), "same image as the service"
    assert depends(job).get("postgres") == "service_healthy"
    topic_jobs = [d for d in deps if "kafka-topics.sh" in command_text(services[d])]
    assert topic_jobs and all(d in one_shot_jobs for d in topic_jobs), "waits for the topics"


def test_topic_init_job_creates_exactly_the_eight_topics(
    services: dict[str, dict[str, Any]], one_shot_jobs: set[str]
) -> None:
    jobs = [
        n
        for n, s in services.items()
        if "kafka-topics.sh" in command_text(s) and "--create" in command_text(s)
    ]
    assert len(jobs) == 1, jobs
    svc = services[jobs[0]]
    assert jobs[0] in one_shot_jobs
    text = command_text(svc)
    created = set(re.findall(r"tatamutasi\.[a-z0-9_-]+\.v\d+(?:\.dlq)?", text))
    assert created == EXPECTED_TOPICS
    assert "--partitions" in text and "--if-not-exists" in text
    env = env_of(svc)
    assert int(env["PARTITIONS"]) >= 1 and int(env["REPLICATION_FACTOR"]) >= 1
    assert depends(svc).get("kafka") == "service_healthy"


def test_kafka_runs_in_kraft_mode_without_auto_created_topics(
    services: dict[str, dict[str, Any]],
) -> None:
    (kafka,) = [  # the default node; the `kafka-ha` profile's nodes: test_compose_observability
        s
        for s in services.values()
        if str(s.get("image", "")).startswith("apache/kafka:")
        and "KAFKA_PROCESS_ROLES" in env_of(s)
        and not s.get("profiles")
    ]
    env = env_of(kafka)
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"]
    assert "CLUSTER_ID" in env
    assert is_false(env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"])
    assert "ZOOKEEPER" not in " ".join(env)


def test_postgres_creates_one_database_per_service(services: dict[str, dict[str, Any]]) -> None:
    pg = services["postgres"]
    assert re.fullmatch(r"postgres:16(\.\d+)?(-\w+)?", pg["image"])
    assert any(
        str(v).startswith("./postgres/init.sql:/docker-entrypoint-initdb.d/")
        for v in pg.get("volumes", [])
    )
    env = env_of(pg)
    assert "POSTGRES_PASSWORD" not in env and env["POSTGRES_PASSWORD_FILE"] in secret_targets(pg)

    sql = INIT_SQL.read_text(encoding="utf-8")
    for entry in SERVICES:
        assert re.search(rf"CREATE DATABASE {entry.name} OWNER {entry.name};", sql)
        assert re.search(rf"create_service_role\('{entry.name}', :'{entry.name}_password'\)", sql)
        password_file = env_of(services[entry.name])[f"{entry.prefix}_DATABASE_PASSWORD_FILE"]
        assert f"`cat {password_file}`" in sql
        assert password_file in secret_targets(pg), f"postgres needs {password_file}"


def test_images_are_pinned(services: dict[str, dict[str, Any]]) -> None:
    for name, svc in services.items():
        image = interpolate(svc.get("image", ""))
        assert image, f"{name} has no image"
        ref = image.split("@", 1)[0]
        assert ":" in ref.rsplit("/", 1)[-1], f"{name}: {image} has no tag"
        tag = ref.rsplit(":", 1)[1]
        assert tag != "latest" and re.search(r"\d", tag), f"{name}: {image} is not pinned"


def test_no_literal_secrets(compose: dict[str, Any], services: dict[str, dict[str, Any]]) -> None:
    raw = COMPOSE_FILE.read_text(encoding="utf-8")
    assert "PRIVATE KEY" not in raw and "BEGIN " not in raw
    for path, value in walk_strings(compose):
        assert not re.search(r"(?i)password\s*=\s*[^\s$]", value), path
        assert not re.search(r"://[^/@\s:]+:[^@\s/]+@", value), f"credentials in URL at {path}"
    for name, svc in services.items():
        for key, value in env_of(svc).items():
            if re.search(r"PASSWORD|SECRET|TOKEN|PRIVATE", key):
                assert key.endswith("_FILE") and value.startswith(SECRETS_DIR), (
                    f"{name}: {key} must point to a secret file"
                )
    for name, secret in compose["secrets"].items():
        assert set(secret) == {"file"}, f"secret {name} must come from a file"
        assert secret["file"].startswith("./secrets/"), secret
        assert not secret["file"].endswith(("-key.pem", "private.pem")), secret


def test_every_mounted_secret_is_declared_and_made_by_dev_secrets(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    declared = set(compose["secrets"])
    for name, svc in services.items():
        for s in svc.get("secrets") or []:
            assert (s if isinstance(s, str) else s["source"]) in declared, name
    script = (DEPLOY / "dev-secrets.sh").read_text(encoding="utf-8")
    for secret in compose["secrets"].values():
        stem = Path(secret["file"]).stem
        assert stem in script, f"deploy/dev-secrets.sh does not create {secret['file']}"
    gitignore = (DEPLOY / "secrets" / ".gitignore").read_text(encoding="utf-8").split()
    assert "*" in gitignore


# -- Procfile --------------------------------------------------------------------------------
def procfile() -> dict[str, str]:
    out = {}
    for line in PROCFILE.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_-]+):\s*(.+)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def test_procfile_has_the_broker_and_the_four_services() -> None:
    procs = procfile()
    assert set(procs) == {"broker", *SERVICE_IDS}
    assert procs["broker"].startswith("tatamutasi broker")


@pytest.mark.parametrize("entry", SERVICES, ids=SERVICE_IDS)
def test_procfile_factories_exist(entry: ServiceEntry) -> None:
    cmd = procfile()[entry.name]
    m = re.search(r"\buvicorn --factory (\S+)", cmd)
    assert m, cmd
    assert m.group(1) == entry.factory
    assert re.search(rf"--port {entry.port}\b", cmd)
    module_name, attr = m.group(1).split(":")
    factory = getattr(importlib.import_module(module_name), attr)
    assert callable(factory)
    for key in re.findall(r"\b([A-Z][A-Z0-9_]+)=", cmd):
        assert key.startswith(entry.prefix + "_"), key


# -- Dockerfile and .dockerignore ------------------------------------------------------------
def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile_is_pinned_non_root_and_uses_the_hashed_lock() -> None:
    instr = dockerfile_instructions()
    stages: list[str] = []
    for word, rest in instr:
        if word != "FROM":
            continue
        parts = rest.split()
        image = next(p for p in parts if not p.startswith("--"))
        if image not in stages:
            name, _, tag = image.partition("@")[0].rpartition(":")
            assert name and tag and tag != "latest" and re.search(r"\d", tag), image
        if len(parts) >= 3 and parts[-2].upper() == "AS":
            stages.append(parts[-1])
    assert any(w == "FROM" and r.startswith("python:3.11-slim-bookworm") for w, r in instr)

    users = [rest for word, rest in instr if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert users[-1].split(":")[0] == "10001"

    runs = " ".join(rest for word, rest in instr if word == "RUN")
    assert re.search(r"--require-hashes -r requirements\.lock", runs)
    assert "--no-deps" in runs
    assert any(w == "ARG" and r.startswith("SERVICE") for w, r in instr)
    health = [r for w, r in instr if w == "HEALTHCHECK" and r != "NONE"]
    assert health and all("/healthz" in h and "python" in h for h in health)
    assert "migrate" in {s.lower() for s in stages}


def test_dockerfile_bakes_no_secret_and_copies_what_exists() -> None:
    for word, rest in dockerfile_instructions():
        if word in ("ENV", "ARG", "LABEL"):
            assert not re.search(r"(?i)(password|secret|token|private)", rest), rest
        if word in ("COPY", "ADD") and "--from=" not in rest:
            *sources, _dest = [p for p in rest.split() if not p.startswith("--")]
            for src in sources:
                assert (ROOT / src).exists(), f"COPY source {src} does not exist"
                assert not src.startswith(("deploy/secrets", "data", ".venv")), src


def test_dockerignore_keeps_local_state_out() -> None:
    lines = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for pattern in (
        ".git",
        "**/.venv",
        "**/data",
        "**/__pycache__",
        "deploy/secrets",
        "**/.pytest_cache",
        "**/test-artifacts",
    ):
        assert pattern in lines, pattern
    # what the Dockerfile copies is let back in (deny-by-default context)
    allowed = [line[1:].rstrip("/") for line in lines if line.startswith("!")]
    for word, rest in dockerfile_instructions():
        if word == "COPY" and "--from=" not in rest:
            *sources, _dest = [p for p in rest.split() if not p.startswith("--")]
            for src in sources:
                assert any(
                    src == a or src.startswith(a + "/") or a.startswith(src + "/") for a in allowed
                ), f"{src} is not let into the build context"


# -- the image's entry point -----------------------------------------------------------------
@pytest.fixture(scope="module")
def entrypoint() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tatamutasi_deploy_entrypoint", ENTRYPOINT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_entrypoint_puts_the_password_file_into_the_url(
    entrypoint: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "pw"
    secret.write_text("p@ss:w/rd%#\n", encoding="utf-8")
    monkeypatch.setenv("SERVICE", "audit")
    monkeypatch.setenv("AUDIT_DATABASE_URL", "postgresql://audit@postgres:5432/audit")
    monkeypatch.setenv("AUDIT_DATABASE_PASSWORD_FILE", str(secret))
    entry = entrypoint.service_entry()
    entrypoint.inject_database_password(entry)
    url = make_url(entrypoint.os.environ["AUDIT_DATABASE_URL"])
    assert (url.username, url.password, url.host, url.database) == (
        "audit",
        "p@ss:w/rd%#",
        "postgres",
        "audit",
    )


def test_entrypoint_refuses_an_empty_password_file(
    entrypoint: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pw").write_text("\n", encoding="utf-8")
    monkeypatch.setenv("SERVICE", "pegawai")
    monkeypatch.setenv("PEGAWAI_DATABASE_URL", "postgresql://pegawai@postgres/pegawai")
    monkeypatch.setenv("PEGAWAI_DATABASE_PASSWORD_FILE", str(tmp_path / "pw"))
    with pytest.raises(SystemExit):
        entrypoint.inject_database_password(entrypoint.service_entry())


def test_entrypoint_knows_every_service_and_its_port(
    entrypoint: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.delenv("SERVICE_FACTORY", raising=False)
    for entry in SERVICES:
        monkeypatch.setenv("SERVICE", entry.name)
        assert entrypoint.service_entry() == entry
        assert entrypoint.port_of(entry) == entry.port
    monkeypatch.setenv("SERVICE", "nope")
    assert entrypoint.service_entry() is None
    assert entrypoint.main(["serve"]) == 2  # refuses, does not exec


def test_entrypoint_healthcheck_fails_when_nothing_listens(
    entrypoint: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("PORT", str(port))
    assert entrypoint.healthcheck("/healthz") == 1
