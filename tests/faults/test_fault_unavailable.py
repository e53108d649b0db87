"""A database that is down or refuses writes is an outage, not a bad request or a bad event:
the API answers 503 problem+json with Retry-After (never a 500), consumers retry (never
dead-letter). Found by the read-only fault (test_fault_readonly.py)."""

import pytest
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from starlette.testclient import TestClient

from tatamutasi_platform.consumer import _transient
from tatamutasi_platform.problems import install_problem_handlers
from tatamutasi_platform.unavailable import database_unavailable


class DriverError(Exception):
    def __init__(self, sqlstate: str | None) -> None:
        super().__init__(f"driver error {sqlstate}")
        self.sqlstate = sqlstate


def db_error(sqlstate: str | None, cls: type[DBAPIError] = DBAPIError) -> DBAPIError:
    return cls("INSERT ...", {}, DriverError(sqlstate))


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("25006", True),  # read_only_sql_transaction
        ("53100", True),  # disk_full
        ("57P01", True),  # admin_shutdown (backend terminated)
        ("08006", True),  # connection_failure
        ("40P01", True),  # deadlock_detected
        ("23505", False),  # unique_violation: the request's fault
        ("22P02", False),  # invalid_text_representation
        (None, False),
    ],
)
def test_fault_sqlstates_that_pass_with_time_are_unavailable(
    code: str | None, expected: bool
) -> None:
    assert database_unavailable(db_error(code)) is expected
    assert _transient(db_error(code)) is expected


def test_fault_operational_errors_are_unavailable_integrity_errors_are_not() -> None:
    assert database_unavailable(db_error(None, OperationalError))
    assert not database_unavailable(db_error("23505", IntegrityError))
    assert not database_unavailable(ValueError("x"))


def _app(exc: Exception) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/write")
    async def write() -> None:
        raise exc

    return app


def test_fault_read_only_database_answers_503_problem_with_retry_after() -> None:
    with TestClient(_app(db_error("25006")), raise_server_exceptions=False) as client:
        r = client.post("/write", headers={"Accept-Language": "en"})
    assert r.status_code == 503 and r.headers["Retry-After"] == "1"
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["type"].endswith("database-unavailable")
    assert "Basis data" in body["detail_id"] and "database" in body["detail_en"]


def test_fault_other_database_errors_stay_internal_errors() -> None:
    with TestClient(_app(db_error("22P02")), raise_server_exceptions=False) as client:
        r = client.post("/write")
    assert r.status_code == 500 and r.json()["type"].endswith("internal-error")
