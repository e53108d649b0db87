"""Unit tests for cursors and ETag/If-Match helpers (tatamutasi_platform.http)."""

import base64
from types import SimpleNamespace
from typing import Any

import pytest

from tatamutasi_platform.http import check_if_match, decode_cursor, encode_cursor, etag
from tatamutasi_platform.problems import Problem


def _request(if_match: str | None = None) -> Any:
    """check_if_match only reads request.headers.get("if-match")."""
    return SimpleNamespace(headers={} if if_match is None else {"if-match": if_match})


# -- cursors ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "values",
    [
        ["2024-05-01T08:00:00+00:00", 42],
        ["Siti Rahmawati", "198503122010011002", 3],
        [None, 1.5, True],
        ["ünïcödé ✓"],
        [],
    ],
)
def test_cursor_round_trip(values: list[Any]) -> None:
    cursor = encode_cursor(values)
    assert "=" not in cursor
    assert "+" not in cursor and "/" not in cursor
    assert decode_cursor(cursor, len(values)) == values


def test_cursor_is_url_safe_base64_json() -> None:
    assert encode_cursor(["a", 1]) == base64.urlsafe_b64encode(b'["a",1]').decode().rstrip("=")
    assert encode_cursor(["a", 1]) == "WyJhIiwxXQ"


def test_decode_none_cursor() -> None:
    assert decode_cursor(None, 2) is None


def _invalid(cursor: str, arity: int) -> Problem:
    with pytest.raises(Problem) as info:
        decode_cursor(cursor, arity)
    p = info.value
    assert p.status == 400
    assert p.code == "invalid-cursor"
    assert p.extra["errors"][0]["field"] == "cursor"
    assert p.extra["errors"][0]["location"] == "query"
    return p


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!not-base64!!!",
        "",
        "a",
        "é",  # not ASCII
        base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),  # not UTF-8
        base64.urlsafe_b64encode(b"{not json").decode(),
        base64.urlsafe_b64encode(b'{"a": 1}').decode(),  # JSON but not a list
        base64.urlsafe_b64encode(b'"x"').decode(),
    ],
)
def test_garbage_cursor(cursor: str) -> None:
    _invalid(cursor, 2)


@pytest.mark.parametrize("arity", [1, 3])
def test_wrong_arity_cursor(arity: int) -> None:
    _invalid(encode_cursor(["x", 1]), arity)


# -- ETag / If-Match --------------------------------------------------------------------
def test_etag_format() -> None:
    assert etag(3) == '"v3"'
    assert etag(0) == '"v0"'


def test_missing_if_match_required() -> None:
    with pytest.raises(Problem) as info:
        check_if_match(_request(), 3)
    assert info.value.status == 428
    assert info.value.code == "precondition-required"


def test_missing_if_match_not_required() -> None:
    assert check_if_match(_request(), 3, required=False) is None


def test_stale_if_match() -> None:
    with pytest.raises(Problem) as info:
        check_if_match(_request('"v2"'), 3)
    assert info.value.status == 412
    assert info.value.code == "precondition-failed"
    assert info.value.extra == {"current_etag": '"v3"'}


def test_stale_if_match_even_when_not_required() -> None:
    with pytest.raises(Problem) as info:
        check_if_match(_request('"v2"'), 3, required=False)
    assert info.value.status == 412


@pytest.mark.parametrize("header", ['"v3"', "*", 'W/"v3"', '"v1", "v3"', '"v1" , W/"v3"'])
def test_matching_if_match(header: str) -> None:
    assert check_if_match(_request(header), 3) is None


@pytest.mark.parametrize("header", ["v3", '"v33"', '"3"', '"v1", "v2"', "W/v3"])
def test_non_matching_if_match(header: str) -> None:
    with pytest.raises(Problem) as info:
        check_if_match(_request(header), 3)
    assert info.value.status == 412


def test_per_request_dependencies_run_on_the_event_loop() -> None:
    """FastAPI sends a plain `def` dependency to its thread pool; these run on every request,
    so they are coroutines (a thread hop each cost more CPU than a short request's work)."""
    import inspect

    from tatamutasi_platform.http import authenticate, get_runtime, require_roles

    for dependency in (get_runtime, authenticate, require_roles("admin")):
        assert inspect.iscoroutinefunction(dependency), dependency
