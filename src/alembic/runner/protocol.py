"""The JSON-lines protocol: one request per line on stdin, one response per line on a
private copy of stdout, one request at a time."""

import contextlib
import functools
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TextIO

from .limits import set_limits

if TYPE_CHECKING:
    from .settings import Settings

Handler = Callable[[Mapping[str, Any]], Mapping[str, Any]]


def swap_stdout() -> TextIO:
    """Stdout carries the protocol, on a private copy of file descriptor 1 (not inherited
    by children). Descriptor 1 itself then points at stderr, so whatever a migration
    prints, writes to fd 1, or has a child process print, goes to the log instead."""
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return protocol


def respond(stream: TextIO, message: Mapping[str, Any]) -> None:
    stream.write(json.dumps(message) + "\n")
    stream.flush()


def handle(request: Mapping[str, Any], handlers: Mapping[str, Handler]) -> dict[str, Any]:
    """The response to one request; whatever the handler raises becomes an error response."""
    request_id, command = request.get("id"), request.get("command")
    try:
        handler = handlers.get(str(command))
        if handler is None:
            raise ValueError(f"unknown command {command!r}")
        return {"id": request_id, "ok": True, "result": handler(request)}
    except BaseException as error:  # noqa: BLE001 - report everything, even SystemExit from user code
        return {
            "id": request_id,
            "ok": False,
            "error": {"message": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()},
        }


def serve(lines: Iterable[str], send: Callable[[Mapping[str, Any]], None], handlers: Mapping[str, Handler]) -> None:
    """Answer each request in turn, until `shutdown` or the end of input. A line that is
    not JSON ends the runner with a traceback: only driftbot writes to its stdin."""
    for line in lines:
        if not line.strip():
            continue
        request = json.loads(line)
        if request.get("command") == "shutdown":
            send({"id": request.get("id"), "ok": True, "result": {}})
            return
        send(handle(request, handlers))


def with_settings(settings: "Settings", handler: Handler) -> Handler:
    """The project's settings and mounts of the request's side, before its code runs."""

    def handle_with_settings(request: Mapping[str, Any]) -> Mapping[str, Any]:
        settings.apply(request)
        return handler(request)

    return handle_with_settings


def main() -> None:
    protocol = swap_stdout()
    # Before any of the pull request's code runs.
    set_limits(os.environ)
    # Imported only now, after the swap: nothing they import may write on the protocol.
    from .imports import Imports
    from .models import models
    from .scan import scan
    from .settings import Settings
    from .upgrade import upgrade

    # The driver every request connects with, loaded now, while the runner waits for its
    # first request, rather than by that request (60 ms). Missing, the request says so.
    with contextlib.suppress(ImportError):
        import psycopg  # noqa: F401
        import sqlalchemy.dialects.postgresql.psycopg  # noqa: F401
    imports = Imports()
    imports.install()
    settings = Settings(os.environ)
    handlers: dict[str, Handler] = {
        "scan": scan,
        "upgrade": with_settings(settings, functools.partial(upgrade, imports=imports)),
        "models": with_settings(settings, functools.partial(models, imports=imports)),
    }
    serve(sys.stdin, functools.partial(respond, protocol), handlers)
