"""`upgrade`: a versions folder applied to a database by driving Alembic without the
project's env.py, every engine redirected to that database, each revision's statements
captured, and a failure named by revision, file and line."""

import os
import re
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import ModuleType
from typing import Any, TypedDict

from alembic import context as alembic_context
from alembic import util as alembic_util
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationStep, RevisionStep
from alembic.script import Script, ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from .engines import Redirect, engines_redirected_to
from .imports import Imports
from .paths import is_under, rel, sqlalchemy_url
from .stand_ins import StandInRecord

MISSING_EXTENSION = re.compile(r'extension "([^"]+)" is not available|could not open extension control file "[^"]*/([^"/]+)\.control"')


class AppliedRevision(TypedDict):
    revision: str
    path: str
    statements: list[str]


class MigrationFailure(TypedDict):
    revision: str
    path: str
    line: int | None
    error: str


class UpgradeResult(TypedDict):
    applied: list[AppliedRevision]
    standIns: list[StandInRecord]
    failure: MigrationFailure | None


def error_text(error: BaseException) -> str:
    """The database's own words for a database error; the exception otherwise."""
    original = getattr(error, "orig", None)
    text = str(original) if original is not None else f"{type(error).__name__}: {error}"
    text = text.strip()
    match = MISSING_EXTENSION.search(text)
    if match:
        name = match.group(1) or match.group(2)
        text = (
            f'extension "{name}" is not available on this Postgres server: point DRIFTBOT_DATABASE_URL at a server '
            f"that has {name} installed (driftbot's embedded Postgres has only the contrib extensions). ({text.splitlines()[0]})"
        )
    return "\n".join(text.splitlines()[:8])


def deepest_line_in(error: BaseException, path: str) -> int | None:
    """The line of `path` nearest to where the error was raised."""
    if isinstance(error, SyntaxError) and error.filename and os.path.abspath(error.filename) == os.path.abspath(path):
        return error.lineno
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if os.path.abspath(frame.filename) == os.path.abspath(path):
            line = frame.lineno
    return line


def failing_revision_file(error: BaseException, locations: list[str]) -> str | None:
    """The revision file at fault when loading the versions folders failed (a module-level
    import or a syntax error): the deepest traceback frame inside one of them."""
    if isinstance(error, SyntaxError) and error.filename and is_under(error.filename, locations):
        return os.path.abspath(error.filename)
    found = None
    for frame in traceback.extract_tb(error.__traceback__):
        if is_under(frame.filename, locations):
            found = os.path.abspath(frame.filename)
    return found


def revision_id_of(path: str) -> str | None:
    """The `revision = "…"` of a file, by its text: it may not even parse."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        match = re.search(r"""^revision\s*(?::[^=\n]*)?=\s*['"]([^'"\n]+)['"]""", handle.read(), re.MULTILINE)
    return match.group(1) if match else None


def migration_failure(error: BaseException, script: Script | None, locations: list[str], root: str) -> MigrationFailure:
    """A failure as the report names it: revision, file, line and the error's own words."""
    if script is not None:
        path: str | None = script.path
        revision = script.revision
    else:
        path = failing_revision_file(error, locations)
        # Not one revision's fault (the folder itself, say): name the folder.
        revision = (revision_id_of(path) if path else None) or "(loading)"
    return {
        "revision": revision,
        "path": rel(path or locations[0], root),
        "line": deepest_line_in(error, path) if path else None,
        "error": error_text(error),
    }


class Recorder:
    """Each applied revision with the statements it executed, and the revision running
    now, so that a failure can name it."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.applied: list[AppliedRevision] = []
        self.pending: list[str] = []
        self.running: Script | None = None

    def capture(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        self.pending.append(statement)

    def on_version_apply(self, ctx: Any, step: Any, heads: Any, run_args: Any) -> None:
        revision = step.up_revision  # alembic's MigrationInfo: the Script just applied
        self.applied.append({"revision": revision.revision, "path": rel(revision.path, self.root), "statements": list(self.pending)})
        self.pending.clear()

    def watch(self, step: RevisionStep) -> None:
        original = step.migration_fn

        def upgrade_watched(*args: Any, **kwargs: Any) -> Any:
            self.running = step.revision
            return original(*args, **kwargs)

        upgrade_watched.__name__ = getattr(original, "__name__", "upgrade")
        step.migration_fn = upgrade_watched


@contextmanager
def revisions_loaded_once(imports: Imports, redirect: Redirect) -> Iterator[None]:
    """Alembic loads every revision of a chain for each request (500 revisions: 50 of its
    70 ms), and an analysis sends several for the same tree (the history, fresh, upgraded,
    the fix's verification): a revision module this runner already executed, the same file
    unchanged, is given again (`Imports.revisions`), with the stand-ins its imports needed.
    Only the executed module is reused, as one Python process running Alembic would; the
    Script objects Alembic makes of it are new each time (its revision map changes them).
    A module that holds what points at one request's database is never reused."""
    original = alembic_util.load_python_file
    finder = imports.finder

    def load(dir_: Any, filename: Any) -> ModuleType:
        path = os.path.abspath(os.path.join(os.fspath(dir_), os.fspath(filename)))
        try:
            stat = os.stat(path)
        except OSError:
            return original(dir_, filename)
        key = (path, stat.st_size, stat.st_mtime_ns, stat.st_ino)
        if key in imports.revisions:
            module, stood_in = imports.revisions[key]
            finder.records.extend(stood_in)
            return module
        before, engines = len(finder.records), redirect.engines_made
        module = original(dir_, filename)
        # A module that made an engine as it loaded, or keeps this request's redirecting
        # `create_engine` (`from sqlalchemy import create_engine`), would point the next
        # request's migration at this request's database: such a module is loaded anew.
        keeps_redirect = any(value is stand_in for value in vars(module).values() for stand_in in redirect.stand_ins)
        if redirect.engines_made == engines and not keeps_redirect:
            imports.revisions[key] = (module, finder.records[before:])
        return module

    alembic_util.load_python_file = load
    try:
        yield
    finally:
        alembic_util.load_python_file = original


def upgrade(request: Mapping[str, Any], imports: Imports) -> UpgradeResult:
    """Applies the chain (or, with `stamp`, only records its heads in the version table, as
    `alembic stamp head` does after `create_all`)."""
    imports.prepare(request)
    # A per-tenant chain runs with its schema as the search_path (its env.py sets it), and
    # keeps its version table there.
    schema: str | None = request.get("schema")
    stamp_only: bool = bool(request.get("stamp"))
    url = sqlalchemy_url(request["url"], request.get("statementTimeoutMs"), search_path=schema)
    root: str = request["root"]
    versions: str = request["versions"]
    # More folders of revisions read as part of the chain (the fix being verified), so
    # that the chain's own folder is read where it is, never copied.
    locations = [versions, *(request.get("extraVersions") or [])]
    config = Config()
    config.set_main_option("script_location", versions)
    # Revisions that read `context.config.get_main_option("sqlalchemy.url")` get the throwaway database.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    script = ScriptDirectory(versions, version_locations=locations, recursive_version_locations=True)
    recorder = Recorder(root)

    # "heads", or one revision: a history shared by two builds is built once, up to there.
    target: str = request.get("target") or "heads"

    def steps_to_heads(rev: Any, context: Any) -> list[MigrationStep]:
        if stamp_only:
            stamps: list[MigrationStep] = list(script._stamp_revs(target, rev))
            return stamps
        steps: list[RevisionStep] = script._upgrade_revs(target, rev)
        for step in steps:
            recorder.watch(step)
        return list(steps)

    event.listen(Engine, "before_cursor_execute", recorder.capture)
    failure = None
    try:
        with engines_redirected_to(url) as redirect, revisions_loaded_once(imports, redirect):
            engine = redirect.create_engine(url, poolclass=NullPool)
            try:
                with EnvironmentContext(config, script, fn=steps_to_heads, destination_rev=target), engine.connect() as connection:
                    if schema is not None:
                        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
                        connection.commit()
                    alembic_context.configure(
                        connection=connection,
                        version_table=request["versionTable"],
                        version_table_schema=schema,
                        transaction_per_migration=True,
                        # A stamp runs no revision: nothing to record.
                        on_version_apply=None if stamp_only else recorder.on_version_apply,
                    )
                    with alembic_context.begin_transaction():
                        alembic_context.run_migrations()
                    connection.commit()
            except (Exception, SystemExit) as error:  # noqa: BLE001 - a migration that fails is a result, not a crash
                failure = migration_failure(error, recorder.running, locations, root)
            finally:
                engine.dispose()
    finally:
        event.remove(Engine, "before_cursor_execute", recorder.capture)
    return {"applied": recorder.applied, "standIns": imports.finder.stand_ins(), "failure": failure}
