"""Unit tests for database URL handling (tatamutasi_platform.db)."""

from pathlib import Path

import pytest

from tatamutasi_platform.db import async_url, is_sqlite


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///./data/service.db", "sqlite+aiosqlite:///./data/service.db"),
        ("sqlite:////tmp/abs.db", "sqlite+aiosqlite:////tmp/abs.db"),
        ("sqlite://", "sqlite+aiosqlite://"),
        ("sqlite+pysqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        (
            "postgresql://tm:s3cret@db.local:5432/pegawai",
            "postgresql+asyncpg://tm:s3cret@db.local:5432/pegawai",
        ),
        ("postgres://tm@127.0.0.1/formasi", "postgresql+asyncpg://tm@127.0.0.1/formasi"),
        ("postgresql+psycopg2://u:p@h/d", "postgresql+asyncpg://u:p@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+asyncpg://u@h/d"),
    ],
)
def test_async_url_picks_async_driver(url: str, expected: str) -> None:
    assert async_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "sqlite+aiosqlite:///./data/service.db",
        "postgresql+asyncpg://tm:s3cret@db.local:5432/pegawai",
    ],
)
def test_async_url_leaves_async_urls_unchanged(url: str) -> None:
    assert async_url(url) == url
    assert async_url(async_url(url)) == url


def test_async_url_keeps_password_and_query() -> None:
    out = async_url("postgresql://u:p%40ss@h:5433/d?sslmode=require")
    assert out == "postgresql+asyncpg://u:p%40ss@h:5433/d?sslmode=require"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///x.db", True),
        ("sqlite+aiosqlite:///x.db", True),
        ("sqlite://", True),
        ("postgresql://u@h/d", False),
        ("postgresql+asyncpg://u@h/d", False),
        ("postgres://u@h/d", False),
    ],
)
def test_is_sqlite(url: str, expected: bool) -> None:
    assert is_sqlite(url) is expected


async def test_is_sqlite_accepts_an_engine() -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine("sqlite+aiosqlite://")
    try:
        assert is_sqlite(engine) is True
    finally:
        await engine.dispose()


def test_kafka_sasl_settings_reach_every_client(tmp_path: Path) -> None:

    from tatamutasi_platform.bus import consumer_kwargs, producer_kwargs, security_kwargs
    from tatamutasi_platform.settings import ServiceSettings

    assert security_kwargs(ServiceSettings(environment="test")) == {}
    secret = Path(tmp_path) / "kafka-password"
    secret.write_text("s3cret\n")
    s = ServiceSettings(
        environment="test",
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="tm-audit",
        kafka_sasl_password_file=secret,
    )
    expected = {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "tm-audit",
        "sasl_plain_password": "s3cret",
    }
    assert security_kwargs(s) == expected
    assert expected.items() <= producer_kwargs(s).items()
    assert expected.items() <= consumer_kwargs(s, "g").items()
