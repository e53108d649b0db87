"""`tatamutasi token` prints a JWT that the services accept."""

from pathlib import Path

import jwt
import pytest
from typer.testing import CliRunner

from tatamutasi_cli.main import app
from tatamutasi_platform.auth import TokenVerifier
from tatamutasi_platform.settings import ServiceSettings

runner = CliRunner()


def test_token_is_verifiable_with_the_dev_public_key(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "token",
            "--role",
            "operator",
            "--sub",
            "op-1",
            "--units",
            "U1,U2",
            "--units",
            "U3",
            "--data-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    settings = ServiceSettings(
        auth_public_key_file=tmp_path / "keys" / "dev-signing-key.pub.pem", environment="test"
    )
    principal = TokenVerifier(settings).verify(token)
    assert principal.sub == "op-1"
    assert principal.roles == {"operator"}
    assert principal.units == {"U1", "U2", "U3"}
    assert jwt.get_unverified_header(token)["alg"] == "EdDSA"


def test_token_reuses_the_same_key(tmp_path: Path) -> None:
    args = ["token", "--role", "admin", "--data-dir", str(tmp_path)]
    runner.invoke(app, args)
    key = (tmp_path / "keys" / "dev-signing-key.pem").read_bytes()
    runner.invoke(app, args)
    assert (tmp_path / "keys" / "dev-signing-key.pem").read_bytes() == key


@pytest.mark.parametrize("role", ["root", "superuser"])
def test_unknown_role_is_refused(tmp_path: Path, role: str) -> None:
    result = runner.invoke(app, ["token", "--role", role, "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown role" in result.output
