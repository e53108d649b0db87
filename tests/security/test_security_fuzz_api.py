"""API fuzzing (issue #12 item 3): schemathesis generates requests from each service's
checked-in OpenAPI document and sends them to the real app in-process with a token of each
role; every response must be a non-5xx whose status code, content type and body the document
declares.

- fast (in `make test`): SQLite, a few examples per operation, each operation fuzzed as one of
  the roles the access policy admits (rotating), so that generated data reaches the handlers;
  the roles it refuses are the authorization matrix's business.
- long (`make chaos`): PostgreSQL, many examples, every operation x every role.

Findings are collected per operation and role (the first failing example of each) and
reported together, each with a curl line to reproduce it."""

import os
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from access_policy import POLICY
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from security_apps import (
    SERVICES,
    UPSTREAM,
    Headers,
    Seeded,
    openapi,
    role_token_kwargs,
    seeded_service,
)

from tatamutasi_platform.auth import ROLES
from tatamutasi_platform.testing import DatabaseFactory

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FAST_EXAMPLES = int(os.environ.get("TATAMUTASI_FUZZ_EXAMPLES", "10"))
LONG_EXAMPLES = int(os.environ.get("TATAMUTASI_FUZZ_LONG_EXAMPLES", "40"))
_TRANSPORT_KEYS = ("headers", "params", "json", "content", "data", "files")  # no cookies


def fuzz(
    seeded: Seeded,
    h: Headers,
    roles_for: Any,
    examples: int,
) -> list[str]:
    """Fuzz every operation of the service; `roles_for(index, method, path)` names the roles
    to send. Returns one line per (operation, role, failure kind)."""
    schema = schemathesis.openapi.from_dict(openapi(seeded.service))
    findings: list[str] = []
    for index, result in enumerate(schema.get_all_operations()):
        operation = result.ok()
        method, path = operation.method.upper(), operation.path
        upstream = UPSTREAM.get((seeded.service, method, path))
        for role in roles_for(index, method, path):
            auth = h(role, **role_token_kwargs(role, seeded)) if role else {}
            found: dict[str, str] = {}
            run = _runner(seeded, operation, auth, upstream, found, examples)
            run()
            findings += [
                f"{seeded.service} {method} {path} as {role or 'anonymous'}: [{status}] {text}"
                for status, text in found.items()
            ]
    return findings


def _runner(
    seeded: Seeded,
    operation: Any,
    auth: dict[str, str],
    upstream: int | None,
    found: dict[str, str],
    examples: int,
) -> Any:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        kwargs = case.as_transport_kwargs(base_url="http://testserver")
        request = {k: v for k, v in kwargs.items() if k in _TRANSPORT_KEYS}
        request["headers"] = {**(request.get("headers") or {}), **auth}
        if "files" in request:
            request.update(_httpx_multipart(request.pop("files"), request.get("data")))
        response = seeded.client.request(kwargs["method"], kwargs["url"], **request)
        if "files" in request:  # a streamed multipart body: keep the report from reading it
            response.request = type(response.request)(
                kwargs["method"], response.request.url, headers=response.request.headers
            )
        checks = CHECKS
        if upstream is not None and response.status_code == upstream:
            checks = [c for c in CHECKS if c is not not_a_server_error]
        try:
            case.validate_response(response, checks=checks)
        except BaseException as exc:  # schemathesis raises a FailureGroup
            lines = [line for line in str(exc).strip().splitlines() if line.strip()]
            found.setdefault(str(response.status_code), " | ".join(lines[:12]))

    return run


def _httpx_multipart(files: Any, data: Any) -> dict[str, Any]:
    """schemathesis serialises a form for `requests`, which takes plain fields among the files;
    httpx wants those as `data`."""
    items = files.items() if isinstance(files, dict) else files
    fields: dict[str, list[str]] = {}
    for name, value in dict(data or {}).items():
        fields.setdefault(name, []).extend(map(str, value if isinstance(value, list) else [value]))
    uploads = []
    for name, value in items:
        if isinstance(value, tuple) and isinstance(value[1], bytes | str):
            uploads.append((name, value))
        else:
            fields.setdefault(name, []).append(str(value[1] if isinstance(value, tuple) else value))
    return {"files": uploads or None, "data": fields or None}


def allowed_roles(service: str, method: str, path: str) -> list[str]:
    access = POLICY[service][(method, path)]
    return [""] if access.public else sorted(access.roles)


@pytest.fixture
def fast_services(security_services: dict[str, Seeded]) -> dict[str, Seeded]:
    return security_services


@pytest.mark.slow
@pytest.mark.parametrize("service", SERVICES)
def test_fuzz_every_operation_as_an_admitted_role(
    fast_services: dict[str, Seeded], auth_headers: Headers, service: str
) -> None:
    def rotate(index: int, method: str, path: str) -> list[str]:
        roles = allowed_roles(service, method, path)
        return [roles[index % len(roles)]]

    findings = fuzz(fast_services[service], auth_headers, rotate, FAST_EXAMPLES)
    assert findings == [], "\n".join(findings)


@pytest.mark.chaos
@pytest.mark.postgres
@pytest.mark.parametrize("service", SERVICES)
def test_fuzz_every_operation_as_every_role_on_postgres(
    _pg_ok: bool,
    tmp_path_factory: pytest.TempPathFactory,
    dev_keys: tuple[bytes, Path],
    auth_headers: Headers,
    service: str,
) -> None:
    if not _pg_ok:
        pytest.skip("PostgreSQL not available on 127.0.0.1:5432")
    tmp = tmp_path_factory.mktemp(f"fuzz-pg-{service}")
    databases = DatabaseFactory("postgres", tmp)
    try:
        with seeded_service(
            service, databases.new(f"fuzz_{service}"), dev_keys, tmp / service, auth_headers
        ) as seeded:
            findings = fuzz(seeded, auth_headers, lambda *_: ["", *ROLES], LONG_EXAMPLES)
    finally:
        databases.cleanup()
    assert findings == [], "\n".join(findings)
