"""Entry point of the TataMutasi container image (copied to /app/entrypoint.py).

    entrypoint.py serve          run the service named by $SERVICE with uvicorn (the default);
                                 SERVICE=web runs the web console (`python -m tatamutasi_web`)
    entrypoint.py migrate        apply that service's migrations (`tatamutasi migrate --service`)
    entrypoint.py healthcheck    GET /healthz (or the path given) on the local port; exit 0 if 200
    entrypoint.py wait-migrated [SECONDS]
                                 wait until the service's database is at the head revision of
                                 its migrations (default: up to 600 s; exit 1 on timeout). The
                                 init container of a Kubernetes Deployment, so replicas start
                                 only after the migration Job has run.
    entrypoint.py CMD ARGS...    anything else is run as is (e.g. `tatamutasi --help`)

Environment:
    SERVICE                       pegawai | formasi | matching | audit | web (build arg default)
    SERVICE_FACTORY               override the uvicorn factory (module:callable)
    PORT, HOST                    listen address (default: the service's port, 0.0.0.0)
    <PREFIX>_DATABASE_PASSWORD_FILE
                                  a file holding the database password; it is put into
                                  <PREFIX>_DATABASE_URL, so no password sits in the environment
                                  definition or in the image. Other secrets are files already
                                  (<PREFIX>_AUTH_PUBLIC_KEY_FILE).
    TATAMUTASI_WEB_<NAME>_FILE    web console: a file whose content becomes TATAMUTASI_WEB_<NAME>
                                  (e.g. ..._OIDC_CLIENT_SECRET_FILE); ..._DEV_SIGNING_KEY_FILE is
                                  copied to <data dir>/keys/dev-signing-key.pem (development login)
Every other uvicorn option can be set with its UVICORN_* variable (e.g. UVICORN_WORKERS).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tatamutasi_cli.services import BY_NAME, ServiceEntry


def fail(message: str) -> int:
    print(f"entrypoint: {message}", file=sys.stderr)
    return 2


def service_entry() -> ServiceEntry | None:
    name = os.environ.get("SERVICE", "").strip()
    return BY_NAME.get(name)


def inject_database_password(entry: ServiceEntry) -> None:
    """<PREFIX>_DATABASE_PASSWORD_FILE -> the password part of <PREFIX>_DATABASE_URL."""
    file_var, url_var = f"{entry.prefix}_DATABASE_PASSWORD_FILE", f"{entry.prefix}_DATABASE_URL"
    path = os.environ.get(file_var)
    if not path:
        return
    url = os.environ.get(url_var)
    if not url:
        raise SystemExit(fail(f"{file_var} is set but {url_var} is not"))
    password = Path(path).read_text(encoding="utf-8").strip()
    if not password:
        raise SystemExit(fail(f"{file_var} ({path}) is empty"))
    from sqlalchemy.engine import make_url  # the same parser the services use

    os.environ[url_var] = make_url(url).set(password=password).render_as_string(hide_password=False)


WEB = "web"
WEB_PREFIX = "TATAMUTASI_WEB_"
WEB_PORT = 8000


def port_of(entry: ServiceEntry | None) -> int:
    if os.environ.get("PORT"):
        return int(os.environ["PORT"])
    if entry is None and os.environ.get("SERVICE", "").strip() == WEB:
        return int(os.environ.get(f"{WEB_PREFIX}PORT") or WEB_PORT)
    return entry.port if entry else WEB_PORT


def prepare_web_environment() -> None:
    """Secrets of the web console from files: TATAMUTASI_WEB_X_FILE -> TATAMUTASI_WEB_X, the
    development signing key into the data directory; listen on all interfaces by default."""
    for key in sorted(os.environ):
        if not (key.startswith(WEB_PREFIX) and key.endswith("_FILE")):
            continue
        path = Path(os.environ[key])
        if key == f"{WEB_PREFIX}DEV_SIGNING_KEY_FILE":
            keys = Path(os.environ.get(f"{WEB_PREFIX}DATA_DIR", "data")) / "keys"
            keys.mkdir(parents=True, exist_ok=True)
            target = keys / "dev-signing-key.pem"
            target.touch(mode=0o600)
            target.write_bytes(path.read_bytes())
            continue
        value = path.read_text(encoding="utf-8").strip()
        if not value:
            raise SystemExit(fail(f"{key} ({path}) is empty"))
        os.environ[key.removesuffix("_FILE")] = value
    os.environ.setdefault(f"{WEB_PREFIX}HOST", os.environ.get("HOST", "0.0.0.0"))
    if os.environ.get("PORT"):
        os.environ.setdefault(f"{WEB_PREFIX}PORT", os.environ["PORT"])


def serve_web() -> int:
    prepare_web_environment()
    argv = [sys.executable, "-m", "tatamutasi_web"]
    os.execvp(argv[0], argv)
    return 0  # not reached


def serve() -> int:
    if os.environ.get("SERVICE", "").strip() == WEB and not os.environ.get("SERVICE_FACTORY"):
        return serve_web()
    entry = service_entry()
    factory = os.environ.get("SERVICE_FACTORY") or (entry.factory if entry else "")
    if not factory:
        return fail(f"set SERVICE to one of {', '.join([*BY_NAME, WEB])} (or SERVICE_FACTORY)")
    if entry:
        inject_database_password(entry)
    argv = [
        "uvicorn",
        "--factory",
        factory,
        "--host",
        os.environ.get("HOST", "0.0.0.0"),
        "--port",
        str(port_of(entry)),
        "--no-access-log",  # the services log requests themselves (JSON)
        "--no-server-header",
        "--timeout-graceful-shutdown",
        os.environ.get("GRACEFUL_SHUTDOWN_S", "20"),
    ]
    os.execvp(argv[0], argv)
    return 0  # not reached


def migrate() -> int:
    entry = service_entry()
    if entry is None:
        return fail(f"set SERVICE to one of {', '.join(BY_NAME)}")
    inject_database_password(entry)
    argv = ["tatamutasi", "migrate", "--service", entry.name]
    os.execvp(argv[0], argv)
    return 0  # not reached


def healthcheck(path: str = "/healthz") -> int:
    url = f"http://127.0.0.1:{port_of(service_entry())}{path}"
    try:
        with urllib.request.urlopen(url, timeout=3) as resp:
            return 0 if resp.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"healthcheck {url}: {exc}", file=sys.stderr)
        return 1


def migration_state(entry: ServiceEntry) -> tuple[set[str], set[str]]:
    """(current revisions in the database, head revisions of the service's migrations)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from tatamutasi_platform.db import create_engine
    from tatamutasi_platform.migrations import alembic_config

    url = os.environ.get(f"{entry.prefix}_DATABASE_URL", "")
    if not url:
        raise RuntimeError(f"{entry.prefix}_DATABASE_URL is not set")
    cfg = alembic_config(entry.package, url, entry.name)
    heads = set(ScriptDirectory.from_config(cfg).get_heads())
    version_table = cfg.attributes["version_table"]

    async def current() -> set[str]:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(
                    lambda c: set(
                        MigrationContext.configure(
                            c, opts={"version_table": version_table}
                        ).get_current_heads()
                    )
                )
        finally:
            await engine.dispose()

    return asyncio.run(current()), heads


def wait_migrated(timeout_s: str = "600", interval_s: float = 2.0) -> int:
    entry = service_entry()
    if entry is None:
        return fail(f"set SERVICE to one of {', '.join(BY_NAME)}")
    inject_database_password(entry)
    deadline = time.monotonic() + float(timeout_s)
    while True:
        try:
            current, heads = migration_state(entry)
            if current == heads:
                print(f"{entry.name}: database at {', '.join(sorted(heads))}", file=sys.stderr)
                return 0
            state = f"at {sorted(current) or 'no revision'}, waiting for {sorted(heads)}"
        except Exception as exc:  # database not reachable yet: keep waiting
            state = f"cannot check yet: {type(exc).__name__}: {str(exc)[:200]}"
        if time.monotonic() >= deadline:
            print(f"{entry.name}: migrations not applied ({state})", file=sys.stderr)
            return 1
        print(f"{entry.name}: {state}", file=sys.stderr)
        time.sleep(interval_s)


def main(args: list[str]) -> int:
    command = args[0] if args else "serve"
    if command == "serve":
        return serve()
    if command == "migrate":
        return migrate()
    if command == "healthcheck":
        return healthcheck(*args[1:2])
    if command == "wait-migrated":
        return wait_migrated(*args[1:2])
    entry = service_entry()
    if entry:
        inject_database_password(entry)
    os.execvp(args[0], args)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
