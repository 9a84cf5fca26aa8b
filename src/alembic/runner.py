"""driftbot's Alembic runner.

One long-lived process per analysis, driven by JSON lines over stdin/stdout:

    request:  {"id": 1, "command": "upgrade", ...arguments}
    response: {"id": 1, "ok": true, "result": {...}}
              {"id": 1, "ok": false, "error": {"message": "...", "traceback": "..."}}

Commands:
    scan     read a versions folder statically (ast: no revision file is executed)
    upgrade  apply a versions folder to a database, driving Alembic without env.py
    models   import model files and create their SQLAlchemy metadata in a database
    shutdown

It never runs the project's own env.py: real ones import app settings and async
engines. It drives Alembic itself (DESIGN.md) and redirects every engine a migration
creates to the throwaway database it was given.
"""

import ast
import contextlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import json
import os
import re
import sys
import traceback
import types

# Stdout carries the protocol: anything user code prints goes to stderr instead.
PROTOCOL = sys.stdout
sys.stdout = sys.stderr

THIS_FILE = os.path.abspath(__file__)


def respond(message):
    PROTOCOL.write(json.dumps(message) + "\n")
    PROTOCOL.flush()


def rel(path, root):
    """Repository-relative POSIX path (absolute when outside the root)."""
    path = os.path.abspath(path)
    root = os.path.abspath(root)
    if path == root or path.startswith(root + os.sep):
        return os.path.relpath(path, root).replace(os.sep, "/")
    return path


def is_under(path, roots):
    path = os.path.abspath(path)
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def sqlalchemy_url(url, statement_timeout_ms=None):
    """postgres://… → postgresql+psycopg://… (psycopg 3, sync and async), with a
    statement_timeout so that no single statement of a migration runs unbounded."""
    url = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", url)
    if statement_timeout_ms:
        separator = "&" if "?" in url else "?"
        url += f"{separator}options=-c%20statement_timeout%3D{int(statement_timeout_ms)}"
    return url


def limit_memory():
    """The runner executes pull-request code: cap its address space (bytes, from the
    environment) so a migration that allocates without end fails with MemoryError."""
    limit = os.environ.get("DRIFTBOT_RUNNER_MEMORY_LIMIT")
    if limit:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (int(limit), int(limit)))


# --------------------------------------------------------------------------- scan


REVISION_FIELDS = ("revision", "down_revision", "depends_on", "branch_labels")


def as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def read_revision_file(path, root):
    """The revision's identity from its module-level assignments, or a problem."""
    relpath = rel(path, root)
    with open(path, "rb") as handle:
        data = handle.read()
    if b"\x00" in data:
        return None, "a binary file, not a Python revision"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, f"not UTF-8 text (byte {error.start})"
    try:
        tree = ast.parse(text, filename=relpath)
    except SyntaxError as error:
        return None, f"syntax error at line {error.lineno}: {error.msg}"
    values, lines = {}, {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, value = node.targets[0].id, node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            name, value = node.target.id, node.value
        else:
            continue
        if name not in REVISION_FIELDS:
            continue
        try:
            values[name] = ast.literal_eval(value)
        except ValueError:
            return None, f"`{name}` at line {node.lineno} is not a literal, so it cannot be read without running the file"
        lines[name] = node.lineno
    if not values.get("revision"):
        return None, "no `revision = ...` assignment: Alembic cannot load it"
    docstring = ast.get_docstring(tree) or ""
    return {
        "revision": str(values["revision"]),
        "downRevisions": as_list(values.get("down_revision")),
        "dependsOn": as_list(values.get("depends_on")),
        "branchLabels": as_list(values.get("branch_labels")),
        "path": relpath,
        "line": lines["revision"],
        "message": docstring.strip().splitlines()[0] if docstring.strip() else "",
    }, None


def revision_files(versions):
    for directory, folders, files in os.walk(versions):
        folders[:] = sorted(f for f in folders if f != "__pycache__" and not f.startswith("."))
        for name in sorted(files):
            if name.endswith(".py") and name != "__init__.py":
                yield os.path.join(directory, name)


def scan(request):
    versions, root = request["versions"], request["root"]
    if not os.path.isdir(versions):
        raise ValueError(f"versions folder not found: {rel(versions, root)}")
    revisions, problems = [], []
    for path in revision_files(versions):
        revision, problem = read_revision_file(path, root)
        if problem:
            problems.append({"kind": "unreadable", "message": f"{rel(path, root)}: {problem}", "path": rel(path, root)})
        else:
            revisions.append(revision)

    by_id = {}
    for revision in revisions:
        if revision["revision"] in by_id:
            first = by_id[revision["revision"]]
            problems.append({
                "kind": "duplicate",
                "message": f"revision id {revision['revision']} is declared twice: {first['path']} and {revision['path']}",
                "path": revision["path"],
                "revision": revision["revision"],
            })
        else:
            by_id[revision["revision"]] = revision
    for revision in by_id.values():
        for down in revision["downRevisions"]:
            if down not in by_id:
                problems.append({
                    "kind": "dangling",
                    "message": f"{revision['path']}: down_revision {down!r} names no revision in {rel(versions, root)}",
                    "path": revision["path"],
                    "revision": revision["revision"],
                })

    order, cycle = topological_order(by_id)
    if cycle:
        problems.append({
            "kind": "cycle",
            "message": "the revisions form a cycle: " + " → ".join(cycle),
            "path": by_id[cycle[0]]["path"],
            "revision": cycle[0],
        })
    referenced = {down for r in by_id.values() for down in r["downRevisions"]}
    heads = sorted(r for r in by_id if r not in referenced)
    bases = sorted(r for r, value in by_id.items() if not value["downRevisions"])
    if len(heads) > 1:
        problems.append({
            "kind": "multiple-heads",
            "message": f"{rel(versions, root)} has {len(heads)} heads ({', '.join(heads)}): `alembic upgrade head` refuses to run until a merge revision joins them",
            "path": by_id[heads[-1]]["path"],
            "revision": heads[-1],
        })
    return {"revisions": revisions, "heads": heads, "bases": bases, "order": order, "problems": problems}


def topological_order(by_id):
    """Base → head order, and the revisions of a cycle when there is one."""
    order, state = [], {}

    def visit(revision, trail):
        if state.get(revision) == "done":
            return None
        if state.get(revision) == "visiting":
            return trail[trail.index(revision):] + [revision]
        state[revision] = "visiting"
        for down in by_id[revision]["downRevisions"]:
            if down in by_id:
                cycle = visit(down, trail + [revision])
                if cycle:
                    return cycle
        state[revision] = "done"
        order.append(revision)
        return None

    for revision in sorted(by_id):
        cycle = visit(revision, [])
        if cycle:
            return order, cycle
    return order, None


# ------------------------------------------------------------------- imports


class StandIn:
    """What an attribute of a missing module turns into: a plain class that can be
    subclassed, called, subscripted and used as a decorator, so that ordinary class
    bodies (`class Settings(BaseSettings): x: int = 1`) keep working."""

    def __init__(self, *args, **kwargs):
        pass

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return StandIn()

    def __call__(self, *args, **kwargs):
        return args[0] if len(args) == 1 and not kwargs and callable(args[0]) else StandIn()

    def __getitem__(self, key):
        return StandIn()

    def __iter__(self):
        return iter(())

    def __bool__(self):
        return False

    def __str__(self):
        return ""


class StandInMeta(type):
    def __getattr__(cls, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return stand_in_class(name)

    def __call__(cls, *args, **kwargs):
        # Used as a decorator: hand the decorated function or class back unchanged.
        if len(args) == 1 and not kwargs and callable(args[0]) and not isinstance(args[0], StandInMeta):
            return args[0]
        return super().__call__(*args, **kwargs)

    def __getitem__(cls, key):
        return cls

    def __iter__(cls):
        return iter(())


StandInBase = StandInMeta("StandIn", (StandIn,), {})


def stand_in_class(name):
    return StandInMeta(name, (StandInBase,), {"__module__": "driftbot.stand_in"})


class StandInModule(types.ModuleType):
    __driftbot_stand_in__ = True

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        value = stand_in_class(name)
        setattr(self, name, value)
        return value


class StandInLoader(importlib.abc.Loader):
    def create_module(self, spec):
        module = StandInModule(spec.name)
        module.__path__ = []  # a package, so that submodules can be stood in too
        module.__all__ = []
        return module

    def exec_module(self, module):
        pass


def importing_file():
    """The file whose `import` statement is being resolved (past importlib's frames)."""
    frame = sys._getframe(2)
    while frame:
        filename = frame.f_code.co_filename
        if not filename.startswith("<") and "importlib" not in filename and os.path.abspath(filename) != THIS_FILE:
            return filename
        frame = frame.f_back
    return None


class StandInFinder(importlib.abc.MetaPathFinder):
    """Last on sys.meta_path: answers only when no real module exists, and only for
    imports made by the analysed repository's own files (never SQLAlchemy's or
    Alembic's optional imports)."""

    def __init__(self):
        self.root = None
        self.records = []

    def find_spec(self, fullname, path, target=None):
        if self.root is None:
            return None
        parent = fullname.rpartition(".")[0]
        if not (parent and getattr(sys.modules.get(parent), "__driftbot_stand_in__", False)):
            importer = importing_file()
            if importer is None or not is_under(importer, [self.root]):
                return None
            self.records.append({"module": fullname, "importedFrom": rel(importer, self.root)})
        return importlib.machinery.ModuleSpec(fullname, StandInLoader(), is_package=True)


STAND_INS = StandInFinder()
sys.meta_path.append(STAND_INS)
IMPORT_ROOTS = []


def prepare_imports(request):
    """Make the request's tree importable, and forget the previous request's tree:
    base's and head's modules must never mix."""
    roots = [os.path.abspath(p) for p in [request["root"], *request.get("pythonPaths", [])]]
    for name, module in list(sys.modules.items()):
        origin = getattr(module, "__file__", None)
        if getattr(module, "__driftbot_stand_in__", False) or (origin and IMPORT_ROOTS and is_under(origin, IMPORT_ROOTS)):
            del sys.modules[name]
    for path in IMPORT_ROOTS:
        while path in sys.path:
            sys.path.remove(path)
    IMPORT_ROOTS[:] = roots
    SOURCE_TREES.clear()
    CLASS_BODIES.clear()
    for path in reversed([os.path.abspath(p) for p in request.get("pythonPaths", [])]):
        sys.path.insert(0, path)
    importlib.invalidate_caches()
    STAND_INS.root = os.path.abspath(request["root"]) if request.get("stubMissingImports") else None
    STAND_INS.records = []


def stand_ins():
    seen, result = set(), []
    for record in STAND_INS.records:
        top = record["module"]
        if top not in seen:
            seen.add(top)
            result.append(record)
    return result


@contextlib.contextmanager
def engines_redirected_to(url):
    """Every engine a migration creates (from app settings, a hard-coded URL…) points
    at the throwaway database: such migrations work, and none reaches another server."""
    import sqlalchemy
    import sqlalchemy.engine
    from sqlalchemy.ext import asyncio as sa_asyncio

    real_sync, real_async = sqlalchemy.create_engine, sa_asyncio.create_async_engine

    def create_engine(*args, **kwargs):
        kwargs.pop("url", None)
        return real_sync(url, **kwargs)

    def create_async_engine(*args, **kwargs):
        kwargs.pop("url", None)
        return real_async(url, **kwargs)

    sqlalchemy.create_engine = sqlalchemy.engine.create_engine = create_engine
    sa_asyncio.create_async_engine = create_async_engine
    try:
        yield real_sync
    finally:
        sqlalchemy.create_engine = sqlalchemy.engine.create_engine = real_sync
        sa_asyncio.create_async_engine = real_async


# ------------------------------------------------------------------- upgrade


MISSING_EXTENSION = re.compile(r'extension "([^"]+)" is not available|could not open extension control file "[^"]*/([^"/]+)\.control"')


def error_text(error):
    """The database's own words for a database error; the exception otherwise."""
    original = getattr(error, "orig", None)
    text = str(original) if original is not None else f"{type(error).__name__}: {error}"
    text = text.strip()
    match = MISSING_EXTENSION.search(text)
    if match:
        name = match.group(1) or match.group(2)
        text = (
            f'extension "{name}" is not available on this Postgres server (the embedded one has only the contrib '
            f"extensions): point DRIFTBOT_DATABASE_URL at a server that has {name} installed. ({text.splitlines()[0]})"
        )
    return "\n".join(text.splitlines()[:8])


def failure_line(error, path):
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if os.path.abspath(frame.filename) == os.path.abspath(path):
            line = frame.lineno
    return line


def upgrade(request):
    prepare_imports(request)
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import NullPool

    url, root, versions = sqlalchemy_url(request["url"], request.get("statementTimeoutMs")), request["root"], request["versions"]
    config = Config()
    config.set_main_option("script_location", versions)
    # Revisions that read `context.config.get_main_option("sqlalchemy.url")` get the throwaway database.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    script = ScriptDirectory(versions, version_locations=[versions], recursive_version_locations=True)

    applied, pending, running = [], [], {"script": None}

    def capture(conn, cursor, statement, parameters, context, executemany):
        pending.append(statement)

    def on_version_apply(ctx, step, heads, run_args):
        revision = step.up_revision  # alembic's MigrationInfo: the Script just applied
        applied.append({"revision": revision.revision, "path": rel(revision.path, root), "statements": list(pending)})
        pending.clear()

    def steps_to_heads(rev, context):
        steps = script._upgrade_revs("heads", rev)
        for step in steps:
            watch(step)
        return steps

    def watch(step):
        # Knowing which revision runs lets a failure name it, with its file and line.
        original = step.migration_fn

        def upgrade_watched(*args, **kwargs):
            running["script"] = step.revision
            return original(*args, **kwargs)

        upgrade_watched.__name__ = getattr(original, "__name__", "upgrade")
        step.migration_fn = upgrade_watched

    event.listen(Engine, "before_cursor_execute", capture)
    failure = None
    try:
        with engines_redirected_to(url) as real_create_engine:
            engine = real_create_engine(url, poolclass=NullPool)
            try:
                with EnvironmentContext(config, script, fn=steps_to_heads, destination_rev="heads"):
                    from alembic import context as alembic_context

                    with engine.connect() as connection:
                        alembic_context.configure(
                            connection=connection,
                            version_table=request["versionTable"],
                            transaction_per_migration=True,
                            on_version_apply=on_version_apply,
                        )
                        with alembic_context.begin_transaction():
                            alembic_context.run_migrations()
                        connection.commit()
            except Exception as error:  # a migration that fails is a result, not a crash
                revision = running["script"]
                path = revision.path if revision is not None else None
                failure = {
                    "revision": revision.revision if revision is not None else None,
                    "path": rel(path, root) if path else None,
                    "line": failure_line(error, path) if path else None,
                    "error": error_text(error),
                }
                if revision is None:
                    failure["revision"] = "(loading)"
                    failure["path"] = rel(versions, root)
            finally:
                engine.dispose()
    finally:
        event.remove(Engine, "before_cursor_execute", capture)
    return {"applied": applied, "standIns": stand_ins(), "failure": failure}


# -------------------------------------------------------------------- models


def import_model_file(path, python_paths, root):
    """Import a model file under its real module name, so package-relative imports work."""
    path = os.path.abspath(path)
    candidates = sorted((os.path.abspath(p) for p in python_paths if is_under(path, [os.path.abspath(p)])), key=len, reverse=True)
    for base in candidates:
        module_name = os.path.relpath(path, base)[: -len(".py")].replace(os.sep, ".")
        if module_name.endswith(".__init__"):
            module_name = module_name[: -len(".__init__")]
        return importlib.import_module(module_name)
    name = "driftbot_models_" + re.sub(r"\W", "_", rel(path, root))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def collect_metadata(roots):
    """Every MetaData reachable from modules loaded from the repository."""
    from sqlalchemy import MetaData, Table

    found = {}
    for module in list(sys.modules.values()):
        origin = getattr(module, "__file__", None)
        if not origin or not is_under(origin, roots):
            continue
        for value in list(vars(module).values()):
            metadata = None
            if isinstance(value, MetaData):
                metadata = value
            elif isinstance(value, Table):
                metadata = value.metadata
            elif isinstance(value, type) and isinstance(getattr(value, "metadata", None), MetaData):
                metadata = value.metadata
            if metadata is not None:
                found[id(metadata)] = metadata
    return list(found.values())


def mapped_classes(roots):
    """Mapped classes by table, from every registry the repository's bases use."""
    from sqlalchemy.orm import registry as Registry

    registries = {}
    for module in list(sys.modules.values()):
        origin = getattr(module, "__file__", None)
        if not origin or not is_under(origin, roots):
            continue
        for value in list(vars(module).values()):
            candidate = getattr(value, "registry", None) if isinstance(value, type) else None
            if isinstance(candidate, Registry):
                registries[id(candidate)] = candidate
    by_table = {}
    for registry in registries.values():
        for mapper in registry.mappers:
            table = mapper.local_table
            if table is not None and getattr(table, "name", None) and table not in by_table:
                by_table[table] = mapper
    return by_table


SOURCE_TREES = {}
CLASS_BODIES = {}


def class_body_lines(cls):
    """Cached per class: inspect's source lookups re-parse the module on every call."""
    if cls not in CLASS_BODIES:
        CLASS_BODIES[cls] = read_class_body_lines(cls)
    return CLASS_BODIES[cls]


def read_class_body_lines(cls):
    """Attribute name → line, for what a class's own body declares (assignments,
    annotations, `declared_attr` functions), read from its source with ast."""
    try:
        path = inspect.getsourcefile(cls)
        _, first_line = inspect.getsourcelines(cls)
    except (OSError, TypeError):
        return None, {}
    if path not in SOURCE_TREES:
        with open(path, encoding="utf-8") as handle:
            SOURCE_TREES[path] = ast.parse(handle.read())
    for node in ast.walk(SOURCE_TREES[path]):
        if isinstance(node, ast.ClassDef) and node.name == cls.__name__ and node.lineno <= first_line + len(node.decorator_list) + 1 and node.lineno >= first_line:
            names = {}
            for item in node.body:
                if isinstance(item, ast.Assign):
                    for target in item.targets:
                        if isinstance(target, ast.Name):
                            names.setdefault(target.id, item.lineno)
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    names.setdefault(item.target.id, item.lineno)
                elif isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    names.setdefault(item.name, item.lineno)
            return path, names
    return path, {}


def declaration_site(cls, attribute, root):
    """The first class in the MRO whose own body declares the attribute (a mixin, often)."""
    for klass in cls.__mro__:
        if klass is object:
            continue
        path, names = class_body_lines(klass)
        if attribute in names:
            return {"path": rel(path, root), "line": names[attribute], "className": klass.__name__}
    return None


def models(request):
    prepare_imports(request)
    from sqlalchemy import text
    from sqlalchemy.pool import NullPool

    root = request["root"]
    roots = IMPORT_ROOTS
    errors = []
    url = sqlalchemy_url(request["url"])
    with engines_redirected_to(url) as real_create_engine:
        for path in request["files"]:
            try:
                import_model_file(path, request.get("pythonPaths", []), root)
            except Exception as error:
                errors.append({"path": rel(path, root), "message": f"cannot import {rel(path, root)}: {type(error).__name__}: {error}"})
        metadatas = collect_metadata(roots)
        mappers = mapped_classes(roots)
        engine = real_create_engine(url, poolclass=NullPool)
        try:
            with engine.begin() as connection:
                schemas = sorted({t.schema for m in metadatas for t in m.tables.values() if t.schema})
                for schema in schemas:
                    connection.execute(text('CREATE SCHEMA IF NOT EXISTS "%s"' % schema.replace('"', '""')))
                for metadata in metadatas:
                    metadata.create_all(connection)
        finally:
            engine.dispose()

    tables = []
    for metadata in metadatas:
        for table in metadata.tables.values():
            mapper = mappers.get(table)
            cls = mapper.class_ if mapper is not None else None
            table_site = None
            if cls is not None:
                try:
                    table_site = {"path": rel(inspect.getsourcefile(cls), root), "line": inspect.getsourcelines(cls)[1]}
                except (OSError, TypeError):
                    table_site = None
            columns = []
            for column in table.columns:
                site = None
                attribute = column.key
                if mapper is not None:
                    try:
                        attribute = mapper.get_property_by_column(column).key
                    except Exception:
                        attribute = column.key
                    site = declaration_site(cls, attribute, root)
                columns.append({
                    "name": column.name,
                    "attribute": attribute,
                    "path": site["path"] if site else (table_site or {}).get("path"),
                    "line": site["line"] if site else (table_site or {}).get("line"),
                    "className": site["className"] if site else (cls.__name__ if cls else None),
                })
            tables.append({
                "schema": table.schema or "public",
                "name": table.name,
                "className": cls.__name__ if cls is not None else None,
                "path": (table_site or {}).get("path"),
                "line": (table_site or {}).get("line"),
                "columns": columns,
            })
    return {"tables": tables, "standIns": stand_ins(), "errors": errors}


# ---------------------------------------------------------------------- main


COMMANDS = {"scan": scan, "upgrade": upgrade, "models": models}


def main():
    limit_memory()
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        request_id, command = request.get("id"), request.get("command")
        if command == "shutdown":
            respond({"id": request_id, "ok": True, "result": {}})
            return
        try:
            handler = COMMANDS.get(command)
            if handler is None:
                raise ValueError(f"unknown command {command!r}")
            respond({"id": request_id, "ok": True, "result": handler(request)})
        except BaseException as error:  # noqa: BLE001 - report everything, even SystemExit from user code
            respond({
                "id": request_id,
                "ok": False,
                "error": {"message": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()},
            })


if __name__ == "__main__":
    main()
