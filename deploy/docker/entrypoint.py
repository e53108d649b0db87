"""Entry point of the TataMutasi container image (copied to /app/entrypoint.py).

    entrypoint.py serve          run the service named by $SERVICE with uvicorn (the default)
    entrypoint.py migrate        apply that service's migrations (`tatamutasi migrate --service`)
    entrypoint.py healthcheck    GET /healthz (or the path given) on the local port; exit 0 if 200
    entrypoint.py CMD ARGS...    anything else is run as is (e.g. `tatamutasi --help`)

Environment:
    SERVICE                       pegawai | formasi | matching | audit (build arg default)
    SERVICE_FACTORY               override the uvicorn factory (module:callable)
    PORT, HOST                    listen address (default: the service's port, 0.0.0.0)
    <PREFIX>_DATABASE_PASSWORD_FILE
                                  a file holding the database password; it is put into
                                  <PREFIX>_DATABASE_URL, so no password sits in the environment
                                  definition or in the image. Other secrets are files already
                                  (<PREFIX>_AUTH_PUBLIC_KEY_FILE).
Every other uvicorn option can be set with its UVICORN_* variable (e.g. UVICORN_WORKERS).
"""

from __future__ import annotations

import os
import sys
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


def port_of(entry: ServiceEntry | None) -> int:
    if os.environ.get("PORT"):
        return int(os.environ["PORT"])
    return entry.port if entry else 8000


def serve() -> int:
    entry = service_entry()
    factory = os.environ.get("SERVICE_FACTORY") or (entry.factory if entry else "")
    if not factory:
        return fail(f"set SERVICE to one of {', '.join(BY_NAME)} (or SERVICE_FACTORY)")
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


def main(args: list[str]) -> int:
    command = args[0] if args else "serve"
    if command == "serve":
        return serve()
    if command == "migrate":
        return migrate()
    if command == "healthcheck":
        return healthcheck(*args[1:2])
    entry = service_entry()
    if entry:
        inject_database_password(entry)
    os.execvp(args[0], args)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
