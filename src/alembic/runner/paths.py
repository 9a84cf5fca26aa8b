"""Paths as the report names them, and the URL the runner connects with."""

import os
import re
from collections.abc import Iterable


def rel(path: str, root: str) -> str:
    """Repository-relative POSIX path (absolute when outside the root)."""
    path = os.path.abspath(path)
    root = os.path.abspath(root)
    if path == root or path.startswith(root + os.sep):
        return os.path.relpath(path, root).replace(os.sep, "/")
    return path


def is_under(path: str, roots: Iterable[str]) -> bool:
    path = os.path.abspath(path)
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def sqlalchemy_url(url: str, statement_timeout_ms: int | None = None) -> str:
    """postgres://… → postgresql+psycopg://… (psycopg 3, sync and async), with a
    statement_timeout so that no single statement of a migration or of `create_all`
    runs unbounded."""
    url = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", url)
    if statement_timeout_ms:
        separator = "&" if "?" in url else "?"
        url += f"{separator}options=-c%20statement_timeout%3D{int(statement_timeout_ms)}"
    return url
