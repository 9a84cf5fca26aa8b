"""Paths as the report names them, and the URL the runner connects with."""

import os
import re
from collections.abc import Iterable
from urllib.parse import quote


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


SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


def sqlalchemy_url(url: str, statement_timeout_ms: int | None = None, search_path: str | None = None) -> str:
    """postgres://… → postgresql+psycopg://… (psycopg 3, sync and async), with a
    statement_timeout so that no single statement of a migration or of `create_all`
    runs unbounded, and the chain's schema as the search_path of every connection (the
    migrations' own engines included), as the project's env.py sets it."""
    url = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", url)
    options = []
    if statement_timeout_ms:
        options.append(f"-c statement_timeout={int(statement_timeout_ms)}")
    if search_path is not None:
        if not SCHEMA_NAME.fullmatch(search_path):
            raise ValueError(f"not a schema name: {search_path!r}")
        options.append(f'-c search_path="{search_path}"')
    if options:
        separator = "&" if "?" in url else "?"
        url += f"{separator}options={quote(' '.join(options), safe='')}"
    return url
