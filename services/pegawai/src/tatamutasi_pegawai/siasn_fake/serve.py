"""Run a fake SIASN over real HTTP in a background thread (tests, benchmarks)."""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from tatamutasi_pegawai.siasn_fake.app import FakeSiasn, create_app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_in_thread(fake: FakeSiasn, *, port: int | None = None) -> Iterator[str]:
    """Serve `fake` with uvicorn on 127.0.0.1; yields the base URL; stops on exit."""
    import uvicorn

    port = port or free_port()
    config = uvicorn.Config(
        create_app(fake),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="fake-siasn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the fake SIASN server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
