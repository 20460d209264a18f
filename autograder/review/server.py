"""Running the review app: uvicorn on 127.0.0.1, one URL with a token per TA (``autograder review``)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.i18n import Echo, Msg, msg

LOOPBACK = ("127.0.0.1", "localhost", "::1")
DEFAULT_PORT = 8765


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (port 0: any free one). OSError when it is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def urls(host: str, port: int, tokens: dict[str, str]) -> dict[str, str]:
    """TA name -> the URL that logs them in."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else f"[{host}]" if ":" in host else host
    return {name: f"http://{shown}:{port}/?token={token}" for name, token in tokens.items()}


@dataclass
class Running:
    """A review server running in a thread of this process (tests, notebooks)."""

    url: str
    port: int
    server: Any
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)


def _print(m: Msg) -> None:
    print(m.text("en"))


@contextlib.contextmanager
def running(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[Running]:
    """Serve ``app`` in a background thread for the duration of the ``with`` block."""
    import uvicorn

    sock = bind(host, port)
    real_port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="review-server"
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not server.started:
        sock.close()
        raise RuntimeError("the review server did not start")
    handle = Running(f"http://{host}:{real_port}", real_port, server, thread)
    try:
        yield handle
    finally:
        handle.stop()
        sock.close()


def cli_review(
    location: str,
    *,
    assignment: str | None = None,
    key_path: Path | None = None,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    tas: Sequence[str] = (),
    lang: str | None = None,
    backend: str = "auto",
    echo: Echo = _print,
) -> int:
    """``autograder review --gradebook PATH``: serve until Ctrl-C. Returns the exit code. ``lang``:
    the pages' language; ``echo`` says the startup lines (the CLI, in the operator's language)."""
    import uvicorn

    from autograder.api import GradeOptions
    from autograder.gradebook import GradebookError, open_gradebook
    from autograder.review.app import create_app
    from autograder.review.auth import Reviewers

    if "://" not in location and not Path(location).is_file():
        raise GradebookError(
            msg("gradebook_missing", path=location), where=location, fix=msg("review_server_missing_fix")
        )
    gb = open_gradebook(location, create=False)
    try:
        reviewers = Reviewers.for_names(tas)
        app = create_app(
            gb,
            assignment=assignment,
            reviewers=reviewers,
            lang=lang,
            key_path=key_path,
            options=GradeOptions(backend=backend),
            allowed_hosts=tuple(dict.fromkeys((*LOOPBACK, host))),
        )
        try:
            sock = bind(host, port)
        except OSError as exc:
            if port != DEFAULT_PORT:
                raise GradebookError(
                    msg("review_server_cannot_listen", address=f"{host}:{port}",
                        error=str(exc.strerror or exc)),
                    where=f"{host}:{port}",
                    fix=msg("review_server_cannot_listen_fix"),
                ) from exc
            sock = bind(host, 0)
            echo(msg("review_server_port_taken", port=port, free=sock.getsockname()[1]))
        real_port = sock.getsockname()[1]
        state = app.state.review
        echo(msg("review_server_title", assignment=state.assignment.name, where=gb.where))
        if host not in LOOPBACK:
            echo(msg("review_server_not_loopback", host=host))
        echo(msg("review_server_open"))
        for name, url in urls(host, real_port, reviewers.tokens).items():
            echo(msg("review_server_url", name=name, url=url))
        echo(msg("review_server_stop"))
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        server.run(sockets=[sock])
    finally:
        gb.close()
    return 0
