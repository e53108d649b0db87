"""Static checks of the Kubernetes manifests in deploy/k8s (kustomize + Strimzi).

No cluster is needed: every YAML document is parsed and checked for required fields, the
security and probe conventions, and against the code it runs: the service entries (ports,
env prefixes), the settings classes (every ConfigMap key must be a setting), the topics,
and each service's `ServiceSpec` (the topics it publishes) and consumer (group and topics),
from which the KafkaUser ACL matrix is derived. Core kinds are also validated against the
Kubernetes JSON schemas of the `kubernetes-validate` package when it is installed."""

import functools
import importlib
import importlib.util
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest.mock import MagicMock

import pytest
import yaml
from sqlalchemy.engine import make_url

from tatamutasi_cli.services import BY_NAME, SERVICES, ServiceEntry
from tatamutasi_contracts import ALL_TOPICS, Topic, dlq_topic
from tatamutasi_platform.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
ENTRYPOINT = ROOT / "deploy" / "docker" / "entrypoint.py"
NAMESPACE = "tatamutasi"
SERVICE_IDS = [s.name for s in SERVICES]
WEB_PORT = 8000
EXPECTED_TOPICS = {name for t in ALL_TOPICS for name in (t, dlq_topic(t))}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "ClusterSecretStore"}
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
SECRET_WORDS = re.compile(r"PASSWORD|SECRET|TOKEN|PRIVATE|_KEY$")

# Consumers the design names but whose code is not written yet (DESIGN.md: pegawai consumes
# `mutasi.executed`). Used only while the service's ServiceSpec has no consumer; once it
# has one, the code is the reference and must agree with the manifests.
PLANNED_CONSUMERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "pegawai": ("pegawai-mutasi", (Topic.MUTASI.value,)),
}
# Read by the image's entry point (deploy/docker/entrypoint.py), not by the settings.
ENTRYPOINT_KEYS = {"database_password_file"}


# -- loading ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Doc:
    file: str
    body: dict[str, Any]

    @property
    def kind(self) -> str:
        return self.body["kind"]

    @property
    def name(self) -> str:
        return self.body["metadata"]["name"]


def load_docs() -> list[Doc]:
    docs = []
    for path in sorted(K8S.rglob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for body in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if body is not None:
                docs.append(Doc(str(path.relative_to(K8S)), body))
    return docs


DOCS = load_docs()


def of_kind(kind: str) -> list[Doc]:
    return [d for d in DOCS if d.kind == kind]


def one(kind: str, name: str) -> dict[str, Any]:
    (found,) = [d.body for d in DOCS if d.kind == kind and d.name == name]
    return found


def pod_spec(body: dict[str, Any]) -> dict[str, Any]:
    return body["spec"]["template"]["spec"]


def pod_labels(body: dict[str, Any]) -> dict[str, str]:
    return body["spec"]["template"]["metadata"]["labels"]


def all_containers(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    spec = pod_spec(body)
    yield from spec.get("initContainers") or []
    yield from spec["containers"]


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def config_of(body: dict[str, Any], container: dict[str, Any]) -> dict[str, str]:
    """The environment of a container: its ConfigMaps (envFrom), then its own `env`."""
    env: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        assert set(source) == {"configMapRef"}, "environment only from ConfigMaps"
        env.update(one("ConfigMap", source["configMapRef"]["name"])["data"])
    for item in container.get("env") or []:
        assert "value" in item, f"{item['name']}: env entries are literal, non-secret values"
        env[item["name"]] = item["value"]
    return env


def service_of(body: dict[str, Any]) -> ServiceEntry:
    return BY_NAME[pod_labels(body)["app.kubernetes.io/name"]]


def deployments_of(entry: ServiceEntry) -> list[dict[str, Any]]:
    return [
        d.body
        for d in of_kind("Deployment")
        if pod_labels(d.body).get("app.kubernetes.io/name") == entry.name
    ]


def main_container(body: dict[str, Any]) -> dict[str, Any]:
    (c,) = pod_spec(body)["containers"]
    return c


def is_false(value: str) -> bool:
    return value.strip().lower() in ("false", "0", "no", "off")


def settings_class(entry: ServiceEntry) -> type[ServiceSettings]:
    module = importlib.import_module(f"{entry.package}.settings")
    (cls,) = [
        c
        for c in vars(module).values()
        if isinstance(c, type) and issubclass(c, ServiceSettings) and c is not ServiceSettings
    ]
    return cls


# -- every document --------------------------------------------------------------------------
def test_manifests_exist() -> None:
    kinds = {d.kind for d in DOCS}
    for kind in (
        "Namespace",
        "ConfigMap",
        "Deployment",
        "Service",
        "Job",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "NetworkPolicy",
        "Kafka",
        "KafkaNodePool",
        "KafkaTopic",
        "KafkaUser",
    ):
        assert kind in kinds, f"no {kind} in deploy/k8s"


@pytest.mark.parametrize("doc", DOCS, ids=[f"{d.file}:{d.kind}/{d.name}" for d in DOCS])
def test_required_fields(doc: Doc) -> None:
    body = doc.body
    assert re.fullmatch(r"([a-z0-9.-]+/)?v\d+((alpha|beta)\d+)?", body["apiVersion"])
    assert body["kind"]
    assert DNS_SUBDOMAIN.match(doc.name), doc.name
    if doc.kind in CLUSTER_SCOPED:
        assert "namespace" not in body["metadata"]
    else:
        assert body["metadata"].get("namespace") == NAMESPACE
    labels = body["metadata"].get("labels") or {}
    assert labels.get("app.kubernetes.io/part-of") == "tatamutasi"


def test_names_are_unique_per_kind() -> None:
    seen: set[tuple[str, str]] = set()
    for d in DOCS:
        key = (d.kind, d.name)
        assert key not in seen, f"{key} defined twice"
        seen.add(key)


def test_kustomization_lists_every_file() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    assert kustomization["kind"] == "Kustomization"
    assert kustomization["namespace"] == NAMESPACE
    listed = kustomization["resources"]
    assert len(listed) == len(set(listed))
    files = {str(p.relative_to(K8S)) for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml"}
    assert set(listed) == files
    (image,) = kustomization["images"]
    assert image["name"] == "tatamutasi" and image.get("newTag", "latest") != "latest"


# Kinds of the Kubernetes API itself (Strimzi and External Secrets are custom resources).
CORE_KINDS = {
    "Namespace",
    "ConfigMap",
    "Deployment",
    "Service",
    "Job",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "NetworkPolicy",
}
CORE_DOCS = [d for d in DOCS if d.kind in CORE_KINDS]


def test_core_kinds_match_the_kubernetes_schema() -> None:
    """Strict (no unknown fields) JSON-schema validation, offline, with the schemas shipped
    in the `kubernetes-validate` wheel. Skipped when that package is not installed."""
    kv = pytest.importorskip("kubernetes_validate")
    assert len(CORE_DOCS) >= 20
    errors = []
    for doc in CORE_DOCS:
        try:
            kv.validate(doc.body, "1.33.0", strict=True)
        except kv.ValidationError as exc:
            errors.append(f"{doc.file} {doc.kind}/{doc.name}: {exc.message}")
    assert not errors, "\n".join(errors)


def test_no_literal_secrets() -> None:
    for path in K8S.rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert "PRIVATE KEY" not in text and "BEGIN " not in text, path
        assert not re.search(r"://[^/@\s:\"]+:[^@\s/\"]+@", text), f"credentials in a URL: {path}"
    assert not of_kind("Secret"), "Secrets come from the secret store, never from these files"
    for d in of_kind("ConfigMap"):
        for key, value in d.body["data"].items():
            if SECRET_WORDS.search(key):
                assert key.endswith("_FILE") and value.startswith("/run/secrets/"), (
                    f"{d.name}: {key} must name a mounted secret file"
                )
    for d in of_kind("Deployment") + of_kind("Job"):
        for c in all_containers(d.body):
            for item in c.get("env") or []:
                assert not SECRET_WORDS.search(item["name"]), f"{d.name}: {item['name']}"


def test_every_mounted_secret_has_a_source() -> None:
    """Each Secret a pod mounts is made by an ExternalSecret (from the store) or by Strimzi's
    User Operator (KafkaUser), and the ExternalSecrets carry no values."""
    produced = {d.body["spec"]["target"]["name"]: d.body for d in of_kind("ExternalSecret")}
    kafka_users = {d.name for d in of_kind("KafkaUser")}
    for es in produced.values():
        assert es["spec"]["secretStoreRef"]["name"]
        for item in es["spec"]["data"]:
            assert set(item) == {"secretKey", "remoteRef"}
            assert set(item["remoteRef"]) == {"key"}
    for d in of_kind("Deployment") + of_kind("Job"):
        for vol in pod_spec(d.body).get("volumes") or []:
            if "secret" not in vol:
                continue
            name = vol["secret"]["secretName"]
            assert name in produced or name in kafka_users, f"{d.name}: nothing makes {name}"
            keys = {i["key"] for i in vol["secret"].get("items") or []}
            if name in produced:
                assert keys <= {i["secretKey"] for i in produced[name]["spec"]["data"]}
            else:
                assert keys == {"password"}, "Strimzi's SCRAM Secret has the key `password`"


# -- workloads -------------------------------------------------------------------------------
WORKLOADS = of_kind("Deployment") + of_kind("Job")


@pytest.mark.parametrize("doc", WORKLOADS, ids=[f"{d.kind}/{d.name}" for d in WORKLOADS])
def test_pods_are_non_root_read_only_and_pinned(doc: Doc) -> None:
    spec = pod_spec(doc.body)
    ctx = spec["securityContext"]
    assert ctx["runAsNonRoot"] is True
    assert ctx["runAsUser"] == 10001 and ctx["runAsGroup"] == 10001, "the image's uid"
    assert ctx["seccompProfile"]["type"] == "RuntimeDefault"
    assert spec.get("automountServiceAccountToken") is False
    volumes = {v["name"]: v for v in spec.get("volumes") or []}
    for c in all_containers(doc.body):
        sc = c["securityContext"]
        assert sc["readOnlyRootFilesystem"] is True
        assert sc["allowPrivilegeEscalation"] is False
        assert sc["capabilities"]["drop"] == ["ALL"]
        assert sc.get("privileged") is not True
        image = c["image"]
        ref = image.split("@", 1)[0]
        assert ":" in ref.rsplit("/", 1)[-1], f"{image} has no tag"
        assert ref.rsplit(":", 1)[1] != "latest", image
        requests = c["resources"]["requests"]
        assert requests.get("cpu") and requests.get("memory"), f"{c['name']}: no requests"
        assert c["resources"]["limits"].get("memory"), f"{c['name']}: no memory limit"
        mounts = {m["mountPath"]: m for m in c.get("volumeMounts") or []}
        assert "/tmp" in mounts, "writable /tmp on a read-only root"
        for m in mounts.values():
            assert m["name"] in volumes
            if "secret" in volumes[m["name"]]:
                assert m.get("readOnly") is True
        # The services read every *_FILE setting; migrations (the Job and the init
        # container, `migrate`/`wait-migrated`) only the database password: least privilege.
        serves = c in pod_spec(doc.body)["containers"] and doc.kind == "Deployment"
        for key, value in config_of(doc.body, c).items():
            if key.endswith("_DATABASE_PASSWORD_FILE") or (serves and key.endswith("_FILE")):
                assert any(value.startswith(p.rstrip("/") + "/") for p in mounts), (
                    f"{doc.name}/{c['name']}: {key}={value} is not mounted"
                )


@pytest.mark.parametrize("entry", SERVICES, ids=SERVICE_IDS)
def test_each_service_has_deployment_service_and_migration_job(entry: ServiceEntry) -> None:
    deployments = deployments_of(entry)
    assert deployments, f"no Deployment for {entry.name}"
    svc = one("Service", entry.name)
    (port,) = svc["spec"]["ports"]
    assert port["port"] == entry.port
    for dep in deployments:
        assert selects(dep["spec"]["selector"]["matchLabels"], pod_labels(dep))
        assert selects(svc["spec"]["selector"], pod_labels(dep)), f"{entry.name} not served"
        c = main_container(dep)
        ports = {p["name"]: p["containerPort"] for p in c["ports"]}
        target = port["targetPort"]
        assert ports.get(target, target) == entry.port
        for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
            get = c[probe]["httpGet"]
            assert get["path"] == path, f"{dep['metadata']['name']}: {probe}"
            assert ports.get(get["port"], get["port"]) == entry.port
        env = config_of(dep, c)
        assert env["SERVICE"] == entry.name
        assert is_false(env[f"{entry.prefix}_MIGRATE_ON_START"])
        # the init container waits for the migration Job's work
        (init,) = pod_spec(dep)["initContainers"]
        assert init["args"][0] == "wait-migrated" and init["image"] == c["image"]
        assert config_of(dep, init)["SERVICE"] == entry.name

    jobs = [
        d.body
        for d in of_kind("Job")
        if pod_labels(d.body).get("app.kubernetes.io/name") == entry.name
    ]
    assert len(jobs) == 1, f"{entry.name} needs exactly one migration Job"
    job = jobs[0]
    (jc,) = pod_spec(job)["containers"]
    assert jc["args"] == ["migrate"]
    assert jc["image"] == main_container(deployments[0])["image"], "same image as the service"
    assert pod_spec(job)["restartPolicy"] in ("OnFailure", "Never")
    job_env, svc_env = config_of(job, jc), config_of(deployments[0], main_container(deployments[0]))
    for key in (
        "SERVICE",
        f"{entry.prefix}_DATABASE_URL",
        f"{entry.prefix}_DATABASE_PASSWORD_FILE",
    ):
        assert job_env[key] == svc_env[key], key


@pytest.mark.parametrize("entry", SERVICES, ids=SERVICE_IDS)
def test_config_is_accepted_by_the_service_settings(
    entry: ServiceEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    cls = settings_class(entry)
    for dep in deployments_of(entry):
        env = config_of(dep, main_container(dep))
        p = entry.prefix + "_"
        for key in env:
            if key == "SERVICE":
                continue
            assert key.startswith(p), f"{entry.name} sets {key}"
            field = key[len(p) :].lower()
            assert field in cls.model_fields or field in ENTRYPOINT_KEYS, f"unknown setting {key}"
        url = make_url(env[p + "DATABASE_URL"])
        assert url.get_backend_name() == "postgresql" and url.database == entry.name
        assert url.password is None, "the password comes from a file"
        with monkeypatch.context() as m:
            for key, value in env.items():
                m.setenv(key, value)
            s = cls()
        assert s.environment == "production"
        assert s.migrate_on_start is False and s.kafka_create_topics is False
        assert s.service_name == entry.name


def test_hpas_target_existing_deployments_and_never_the_ledger_sequencer() -> None:
    deployments = {d.name: d.body for d in of_kind("Deployment")}
    hpas = of_kind("HorizontalPodAutoscaler")
    targets = set()
    for h in hpas:
        ref = h.body["spec"]["scaleTargetRef"]
        assert ref["kind"] == "Deployment" and ref["apiVersion"] == "apps/v1"
        assert ref["name"] in deployments, f"HPA {h.name} targets nothing"
        spec = h.body["spec"]
        assert 1 <= spec["minReplicas"] <= spec["maxReplicas"]
        assert spec["metrics"]
        targets.add(ref["name"])
    for entry in SERVICES:
        scaled = [d for d in deployments_of(entry) if d["metadata"]["name"] in targets]
        assert scaled, f"no HPA for the {entry.name} API"
    for dep in deployments_of(BY_NAME["audit"]):
        env = config_of(dep, main_container(dep))
        if not is_false(env["AUDIT_CONSUMER_ENABLED"]):
            assert dep["metadata"]["name"] not in targets, "the sequencer must not autoscale"


def test_audit_ledger_has_exactly_one_sequencer() -> None:
    sequencers = []
    for dep in deployments_of(BY_NAME["audit"]):
        env = config_of(dep, main_container(dep))
        if is_false(env.get("AUDIT_CONSUMER_ENABLED", "true")):
            continue
        sequencers.append(dep)
    (seq,) = sequencers
    assert seq["spec"]["replicas"] == 1
    assert seq["spec"]["strategy"]["type"] == "Recreate", "no overlap during rollouts"


def test_pod_disruption_budgets_cover_every_deployment() -> None:
    pdbs = [d.body for d in of_kind("PodDisruptionBudget")]
    for d in of_kind("Deployment"):
        covering = [
            p for p in pdbs if selects(p["spec"]["selector"]["matchLabels"], pod_labels(d.body))
        ]
        assert len(covering) == 1, f"{d.name}: {len(covering)} PodDisruptionBudgets"
        spec = covering[0]["spec"]
        if d.body["spec"]["replicas"] == 1:
            assert "maxUnavailable" in spec, f"{d.name}: a minAvailable would block drains"


def test_network_policies_cover_every_pod_and_allow_only_known_ports() -> None:
    policies = [d.body for d in of_kind("NetworkPolicy")]
    # the four services, and the web console (8000), which also reaches the IdP over HTTPS
    service_ports = {e.port for e in SERVICES} | {WEB_PORT}
    kafka_ports = {
        listener["port"]
        for k in of_kind("Kafka")
        for listener in k.body["spec"]["kafka"]["listeners"]
    }
    allowed = service_ports | kafka_ports | {5432, 53, 443}
    for p in policies:
        assert set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        for rule in p["spec"].get("egress") or []:
            assert rule.get("to"), "egress to anywhere"
            for peer in rule["to"]:
                assert "ipBlock" not in peer or peer["ipBlock"]["cidr"] != "0.0.0.0/0"
            ports = {port["port"] for port in rule["ports"]}
            assert ports <= allowed, ports - allowed
        for rule in p["spec"].get("ingress") or []:
            assert {port["port"] for port in rule["ports"]} <= service_ports
    for d in WORKLOADS:
        covering = [
            p
            for p in policies
            if selects(p["spec"]["podSelector"]["matchLabels"], pod_labels(d.body))
        ]
        assert covering, f"{d.name} is not covered by a NetworkPolicy"


# -- Kafka (Strimzi) -------------------------------------------------------------------------
def kafka_cluster() -> dict[str, Any]:
    (k,) = of_kind("Kafka")
    return k.body


def test_kafka_is_kraft_with_node_pools_authentication_and_acls() -> None:
    kafka = kafka_cluster()
    name = kafka["metadata"]["name"]
    pools = [d.body for d in of_kind("KafkaNodePool")]
    assert pools and all(p["metadata"]["labels"]["strimzi.io/cluster"] == name for p in pools)
    roles = {r for p in pools for r in p["spec"]["roles"]}
    assert roles == {"controller", "broker"}
    controllers = sum(p["spec"]["replicas"] for p in pools if "controller" in p["spec"]["roles"])
    brokers = sum(p["spec"]["replicas"] for p in pools if "broker" in p["spec"]["roles"])
    assert controllers >= 3 and controllers % 2 == 1 and brokers >= 3
    spec = kafka["spec"]
    assert "zookeeper" not in spec
    assert spec["kafka"]["authorization"]["type"] == "simple"
    for listener in spec["kafka"]["listeners"]:
        assert listener["authentication"]["type"] in ("scram-sha-512", "tls")
    config = spec["kafka"]["config"]
    assert config["auto.create.topics.enable"] is False
    assert config["min.insync.replicas"] >= 2 and config["default.replication.factor"] >= 3
    assert "topicOperator" in spec["entityOperator"] and "userOperator" in spec["entityOperator"]


def test_kafka_topics_are_exactly_the_eight_with_explicit_partitions() -> None:
    kafka = kafka_cluster()
    topics = {}
    for d in of_kind("KafkaTopic"):
        spec = d.body["spec"]
        assert d.body["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
        assert isinstance(spec["partitions"], int) and spec["partitions"] >= 1
        assert isinstance(spec["replicas"], int) and spec["replicas"] >= 3
        assert spec["config"]["min.insync.replicas"] < spec["replicas"]
        topics[spec["topicName"]] = spec
    assert set(topics) == EXPECTED_TOPICS
    for t in ALL_TOPICS:
        assert topics[t]["partitions"] >= topics[dlq_topic(t)]["partitions"]


@dataclass(frozen=True)
class Access:
    writes: frozenset[str]
    reads: frozenset[str]
    group: str | None


_KEY_DIR = Path(tempfile.mkdtemp(prefix="tm-k8s-test-"))


def _consumer_of(module: ModuleType) -> tuple[str, tuple[str, ...]] | None:
    factory = module.SPEC.consumer
    if factory is None:
        return None
    # The factory only wires the consumer; a stand-in runtime with the service's real settings
    # (keys, if any, generated in a temporary folder) is enough to learn its group name and
    # topics without a database or a broker.
    entry = next(e for e in SERVICES if e.package == module.__name__.rsplit(".", 1)[0])
    settings = settings_class(entry)(environment="test", data_dir=_KEY_DIR)
    runtime = MagicMock(name="runtime", settings=settings, extras={})
    consumer = factory(runtime)
    return consumer.name, tuple(consumer.topics)


@functools.cache
def expected_access() -> dict[str, Access]:
    """What each service may do on Kafka, from the code: it writes the topics its ServiceSpec
    publishes and the DLQs of the topics it consumes; it reads what its consumer reads."""
    out = {}
    for entry in SERVICES:
        module = importlib.import_module(f"{entry.package}.app")
        consumer = _consumer_of(module) or PLANNED_CONSUMERS.get(entry.name)
        group, consumed = consumer if consumer else (None, ())
        out[entry.name] = Access(
            writes=frozenset(module.SPEC.publishes) | {dlq_topic(t) for t in consumed},
            reads=frozenset(consumed),
            group=group,
        )
    return out


def acl_access(user: dict[str, Any]) -> Access:
    writes, reads, groups = set(), set(), set()
    for acl in user["spec"]["authorization"]["acls"]:
        res, ops = acl["resource"], set(acl["operations"])
        assert res.get("patternType", "literal") == "literal", "no prefix or wildcard ACLs"
        assert res["name"] != "*" and acl.get("type", "allow") == "allow"
        assert ops <= {"Read", "Write", "Describe"}, f"{res['name']}: {ops}"
        if res["type"] == "topic":
            assert "Describe" in ops
            if "Write" in ops:
                writes.add(res["name"])
            if "Read" in ops:
                reads.add(res["name"])
        elif res["type"] == "group":
            assert ops == {"Read"}
            groups.add(res["name"])
        else:
            raise AssertionError(f"unexpected ACL resource {res}")
    assert len(groups) <= 1
    return Access(frozenset(writes), frozenset(reads), next(iter(groups), None))


@pytest.mark.parametrize("entry", SERVICES, ids=SERVICE_IDS)
def test_kafka_user_acls_match_the_code(entry: ServiceEntry) -> None:
    expected = expected_access()[entry.name]
    users = [
        d.body
        for d in of_kind("KafkaUser")
        if d.body["metadata"]["labels"].get("app.kubernetes.io/name") == entry.name
    ]
    assert len(users) == 1, f"{entry.name} needs exactly one KafkaUser"
    user = users[0]
    assert user["metadata"]["labels"]["strimzi.io/cluster"] == kafka_cluster()["metadata"]["name"]
    assert user["spec"]["authentication"]["type"] == "scram-sha-512"
    assert acl_access(user) == expected
    own = {t for t in expected.writes if not t.endswith(".dlq")}
    assert len(own) == 1, "each service writes exactly one topic of its own"


def test_no_two_services_write_the_same_topic_or_share_a_group() -> None:
    access = [acl_access(d.body) for d in of_kind("KafkaUser")]
    own = [t for a in access for t in a.writes if not t.endswith(".dlq")]
    assert len(own) == len(set(own))
    groups = [a.group for a in access if a.group]
    assert len(groups) == len(set(groups))


@pytest.mark.parametrize("entry", SERVICES, ids=SERVICE_IDS)
def test_services_connect_to_the_strimzi_cluster_as_their_user(entry: ServiceEntry) -> None:
    kafka = kafka_cluster()
    ports = {listener["port"] for listener in kafka["spec"]["kafka"]["listeners"]}
    (user,) = [
        d
        for d in of_kind("KafkaUser")
        if d.body["metadata"]["labels"].get("app.kubernetes.io/name") == entry.name
    ]
    for dep in deployments_of(entry):
        env = config_of(dep, main_container(dep))
        p = entry.prefix
        host, _, port = env[f"{p}_KAFKA_BOOTSTRAP"].partition(":")
        assert host == f"{kafka['metadata']['name']}-kafka-bootstrap" and int(port) in ports
        assert env[f"{p}_KAFKA_SASL_USERNAME"] == user.name
        assert env[f"{p}_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
        partitions = {
            d.body["spec"]["partitions"]
            for d in of_kind("KafkaTopic")
            if d.body["spec"]["topicName"] in ALL_TOPICS
        }
        assert {int(env[f"{p}_KAFKA_PARTITIONS"])} == partitions
        secrets = {v["secret"]["secretName"] for v in pod_spec(dep)["volumes"] if "secret" in v}
        assert user.name in secrets, "mounts its KafkaUser's Secret"


# -- the image's wait-migrated command (the Deployments' init container) ---------------------
@pytest.fixture(scope="module")
def entrypoint() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tatamutasi_k8s_entrypoint", ENTRYPOINT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_wait_migrated_waits_for_the_migration_job(
    entrypoint: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tatamutasi_platform.migrations import upgrade

    entry = BY_NAME["formasi"]
    url = f"sqlite:///{tmp_path / 'formasi.db'}"
    monkeypatch.setenv("SERVICE", entry.name)
    monkeypatch.setenv(f"{entry.prefix}_DATABASE_URL", url)
    monkeypatch.delenv(f"{entry.prefix}_DATABASE_PASSWORD_FILE", raising=False)
    current, heads = entrypoint.migration_state(entry)
    assert current == set() and heads
    assert entrypoint.wait_migrated("0", interval_s=0) == 1  # not migrated: gives up
    upgrade(entry.package, url, entry.name)
    assert entrypoint.migration_state(entry) == (heads, heads)
    assert entrypoint.main(["wait-migrated", "0"]) == 0
