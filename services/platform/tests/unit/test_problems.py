"""Unit tests for RFC 9457 problem details (tatamutasi_platform.problems)."""

from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from tatamutasi_platform.errors import Conflict
from tatamutasi_platform.problems import (
    PROBLEM_JSON,
    TYPE_PREFIX,
    Problem,
    describe_errors,
    install_problem_handlers,
    prefers_english,
    validation_problem,
)


# -- describe_errors --------------------------------------------------------------------
def test_describe_missing_body_field() -> None:
    items = describe_errors(
        [{"type": "missing", "loc": ("body", "nip"), "msg": "Field required", "input": {}}]
    )
    assert items == [
        {
            "field": "nip",
            "location": "body",
            "code": "missing",
            "message_en": "This field is required",
            "message_id": "Kolom ini wajib diisi",
        }
    ]


def test_describe_nested_list_field_name() -> None:
    [item] = describe_errors(
        [{"type": "missing", "loc": ("body", "items", 0, "x"), "msg": "Field required"}]
    )
    assert item["field"] == "items[0].x"
    assert item["location"] == "body"


def test_describe_query_location() -> None:
    [item] = describe_errors(
        [
            {
                "type": "int_parsing",
                "loc": ("query", "limit"),
                "msg": "Input should be a valid integer",
            }
        ]
    )
    assert (item["field"], item["location"], item["code"]) == ("limit", "query", "int_parsing")
    assert item["message_en"] == "Must be a whole number"
    assert item["message_id"] == "Harus berupa bilangan bulat"


def test_describe_location_only() -> None:
    [item] = describe_errors([{"type": "missing", "loc": ("body",), "msg": "Field required"}])
    assert (item["field"], item["location"]) == ("body", "body")


def test_describe_string_too_short_uses_ctx() -> None:
    [item] = describe_errors(
        [
            {
                "type": "string_too_short",
                "loc": ("body", "name"),
                "msg": "String should have at least 3 characters",
                "ctx": {"min_length": 3},
            }
        ]
    )
    assert item["message_en"] == "Must have at least 3 characters"
    assert item["message_id"] == "Minimal 3 karakter"


def test_describe_template_without_ctx_falls_back_to_template() -> None:
    [item] = describe_errors(
        [{"type": "string_too_short", "loc": ("body", "name"), "msg": "too short"}]
    )
    assert item["message_en"] == "Must have at least {min_length} characters"
    assert item["message_id"] == "Minimal {min_length} karakter"


def test_describe_custom_error_with_message_id() -> None:
    [item] = describe_errors(
        [
            {
                "type": "nip_invalid",
                "loc": ("body", "nip"),
                "msg": "The NIP is invalid",
                "ctx": {"message_id": "NIP tidak sah"},
            }
        ]
    )
    assert item == {
        "field": "nip",
        "location": "body",
        "code": "nip_invalid",
        "message_en": "The NIP is invalid",
        "message_id": "NIP tidak sah",
    }


def test_describe_unknown_type_falls_back_to_msg() -> None:
    [item] = describe_errors(
        [{"type": "weird_thing", "loc": ("path", "id"), "msg": "Something odd"}]
    )
    assert item["code"] == "weird_thing"
    assert item["location"] == "path"
    assert item["message_en"] == "Something odd"
    assert item["message_id"] == "Nilai tidak sah: Something odd"


def test_describe_error_without_type_or_msg() -> None:
    [item] = describe_errors([{"loc": ("body", "x")}])
    assert item["code"] == "value_error"
    assert item["message_en"] == "Invalid value"


def test_describe_real_pydantic_errors_including_custom() -> None:
    class Model(BaseModel):
        nip: str
        name: str = Field(min_length=3)

        @field_validator("nip")
        @classmethod
        def _nip(cls, v: str) -> str:
            raise PydanticCustomError(
                "nip_length", "A NIP has exactly 18 digits", {"message_id": "NIP harus 18 angka"}
            )

    with pytest.raises(ValidationError) as info:
        Model(nip="1", name="ab")
    errors = [dict(e, loc=("body", *e["loc"])) for e in info.value.errors()]
    items = {i["field"]: i for i in describe_errors(errors)}
    assert items["nip"]["code"] == "nip_length"
    assert items["nip"]["message_en"] == "A NIP has exactly 18 digits"
    assert items["nip"]["message_id"] == "NIP harus 18 angka"
    assert items["name"]["message_en"] == "Must have at least 3 characters"
    assert items["name"]["message_id"] == "Minimal 3 karakter"


# -- prefers_english --------------------------------------------------------------------
def _req(accept_language: str | None) -> Any:
    headers = {} if accept_language is None else {"accept-language": accept_language}
    return SimpleNamespace(headers=headers)


@pytest.mark.parametrize(
    ("header", "english"),
    [
        (None, False),
        ("", False),
        ("en", True),
        ("EN-us", True),
        ("id", False),
        ("id-ID", False),
        ("en-US,en;q=0.9,id;q=0.8", True),
        ("id-ID,id;q=0.9,en;q=0.8", False),
        ("en;q=0.5,id;q=0.8", False),
        ("id;q=0.3,en;q=0.7", True),
        ("fr, de;q=0.9", False),
        ("fr, en;q=0.1", True),
        ("en;q=abc, id;q=0.5", False),
    ],
)
def test_prefers_english(header: str | None, english: bool) -> None:
    assert prefers_english(_req(header)) is english


@pytest.mark.parametrize("header", ["en;q=0", "en;q=0.0, fr"])
def test_prefers_english_q_zero_means_not_acceptable(header: str) -> None:
    """RFC 9110 12.4.2: q=0 means "not acceptable", so English must not be chosen."""
    assert prefers_english(_req(header)) is False


def test_prefers_english_allows_whitespace_before_q() -> None:
    """RFC 9110 allows OWS around ';': `en; q=0.1` is English with weight 0.1."""
    assert prefers_english(_req("en; q=0.1, id; q=0.9")) is False


# -- validation_problem -----------------------------------------------------------------
def test_validation_problem_lists_fields() -> None:
    p = validation_problem(
        [
            {"type": "missing", "loc": ("body", "nip"), "msg": "Field required"},
            {
                "type": "string_too_short",
                "loc": ("body", "nama"),
                "msg": "short",
                "ctx": {"min_length": 2},
            },
        ]
    )
    assert p.status == 422
    assert p.code == "validation-error"
    assert p.title == "Unprocessable Content"
    assert p.detail_en == "The request has 2 invalid field(s): nip, nama"
    assert p.detail_id == "Permintaan memiliki 2 kolom yang tidak sah: nip, nama"
    assert [e["field"] for e in p.extra["errors"]] == ["nip", "nama"]
    assert p.extra["errors"][1]["message_id"] == "Minimal 2 karakter"


# -- handlers ---------------------------------------------------------------------------
class Body(BaseModel):
    nip: str = Field(min_length=18, max_length=18)
    nama: str
    umur: int


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/problem")
    async def _problem() -> None:
        raise Problem(
            418,
            "teapot",
            "I'm a teapot",
            "Short and stout",
            "Pendek dan gemuk",
            extra={"pot": "tea"},
            headers={"X-Pot": "1"},
        )

    @app.get("/conflict")
    async def _conflict() -> None:
        raise Conflict("The NIP is taken", "NIP sudah dipakai", field="nip", existing="p-1")

    @app.get("/only-get")
    async def _only_get() -> dict[str, str]:
        return {"ok": "yes"}

    @app.post("/body")
    async def _body(body: Body) -> dict[str, str]:
        return {"nip": body.nip}

    @app.get("/boom")
    async def _boom() -> None:
        raise RuntimeError("secret-db-password=hunter2 at 10.0.0.1")

    return app


@pytest.fixture
def client() -> TestClient:
    return TestClient(_app(), raise_server_exceptions=False)


def _problem_json(response: Any) -> dict[str, Any]:
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code
    return body


def test_problem_raised_default_indonesian(client: TestClient) -> None:
    r = client.get("/problem")
    assert r.status_code == 418
    assert r.headers["x-pot"] == "1"
    body = _problem_json(r)
    assert body == {
        "type": TYPE_PREFIX + "teapot",
        "title": "I'm a teapot",
        "status": 418,
        "detail": "Pendek dan gemuk",
        "detail_en": "Short and stout",
        "detail_id": "Pendek dan gemuk",
        "instance": "/problem",
        "pot": "tea",
    }


def test_problem_raised_english_when_preferred(client: TestClient) -> None:
    r = client.get("/problem", headers={"Accept-Language": "en-GB,id;q=0.5"})
    assert _problem_json(r)["detail"] == "Short and stout"


def test_domain_conflict_with_field(client: TestClient) -> None:
    r = client.get("/conflict")
    assert r.status_code == 409
    body = _problem_json(r)
    assert body["type"] == "urn:tatamutasi:problem:conflict"
    assert body["title"] == "Conflict"
    assert body["detail"] == "NIP sudah dipakai"
    assert body["detail_en"] == "The NIP is taken"
    assert body["existing"] == "p-1"
    assert body["errors"] == [
        {
            "field": "nip",
            "location": "body",
            "code": "conflict",
            "message_en": "The NIP is taken",
            "message_id": "NIP sudah dipakai",
        }
    ]


def test_unknown_route_is_404_problem(client: TestClient) -> None:
    r = client.get("/nope")
    assert r.status_code == 404
    body = _problem_json(r)
    assert body["type"] == "urn:tatamutasi:problem:not-found"
    assert body["title"] == "Not Found"
    assert body["detail_en"] == "No such resource"
    assert body["detail_id"] == "Sumber daya tidak ditemukan"
    assert body["instance"] == "/nope"


def test_wrong_method_is_405_problem(client: TestClient) -> None:
    r = client.delete("/only-get")
    assert r.status_code == 405
    assert r.headers["allow"] == "GET"
    body = _problem_json(r)
    assert body["type"] == "urn:tatamutasi:problem:method-not-allowed"
    assert body["title"] == "Method Not Allowed"
    assert body["detail_en"] == "This method is not allowed here"
    assert body["detail_id"] == "Metode ini tidak diizinkan di sini"


def test_body_validation_is_422_with_every_field(client: TestClient) -> None:
    r = client.post("/body", json={"nip": "123", "umur": "tua"}, headers={"Accept-Language": "en"})
    assert r.status_code == 422
    body = _problem_json(r)
    assert body["type"] == "urn:tatamutasi:problem:validation-error"
    assert body["title"] == "Unprocessable Content"
    errors = {e["field"]: e for e in body["errors"]}
    assert set(errors) == {"nip", "nama", "umur"}
    assert all(e["location"] == "body" for e in body["errors"])
    assert errors["nip"]["code"] == "string_too_short"
    assert errors["nip"]["message_en"] == "Must have at least 18 characters"
    assert errors["nip"]["message_id"] == "Minimal 18 karakter"
    assert errors["nama"]["code"] == "missing"
    assert errors["nama"]["message_id"] == "Kolom ini wajib diisi"
    assert errors["umur"]["code"] == "int_parsing"
    assert body["detail"].startswith("The request has 3 invalid field(s): ")
    assert body["detail_id"].startswith("Permintaan memiliki 3 kolom yang tidak sah: ")


def test_invalid_json_body_is_422_problem(client: TestClient) -> None:
    r = client.post("/body", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    body = _problem_json(r)
    assert [e["code"] for e in body["errors"]] == ["json_invalid"]
    assert body["errors"][0]["message_en"] == "The body is not valid JSON"


def test_unexpected_exception_is_500_without_leak(client: TestClient) -> None:
    r = client.get("/boom")
    assert r.status_code == 500
    body = _problem_json(r)
    assert body["type"] == "urn:tatamutasi:problem:internal-error"
    assert body["title"] == "Internal Server Error"
    assert body["detail_id"].startswith("Terjadi kesalahan di sisi server")
    assert "hunter2" not in r.text
    assert "RuntimeError" not in r.text
    assert "10.0.0.1" not in r.text
