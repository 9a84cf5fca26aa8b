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

import abc
import ast
import contextlib
import gc
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

# Stdout carries the protocol, on a private copy of file descriptor 1 (not inherited by
# children). Descriptor 1 itself now points at stderr, so whatever a migration prints,
# writes to fd 1, or has a child process print, goes to the log instead.
PROTOCOL = os.fdopen(os.dup(1), "w", encoding="utf-8")
os.dup2(2, 1)
sys.stdout = sys.stderr
# No __pycache__ written into the analysed trees: a stale .pyc must never stand for a changed file.
sys.dont_write_bytecode = True

THIS_FILE = os.path.abspath(__file__)

from sqlalchemy.orm.decl_api import DeclarativeMeta  # noqa: E402 - after the stdout swap: nothing may print on the protocol


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


def set_limits():
    """The runner executes pull-request code: before any of it runs, cap what it may use,
    soft and hard alike (an unprivileged process cannot raise a hard limit again). Each
    limit comes from the environment driftbot gives the runner; unset means unlimited."""
    import resource

    limits = {
        # A migration that allocates without end fails with MemoryError, naming the revision.
        "DRIFTBOT_RUNNER_MEMORY_LIMIT": resource.RLIMIT_AS,
        # No file written may grow past this (a disk-filling migration fails with EFBIG).
        "DRIFTBOT_RUNNER_FILE_SIZE_LIMIT": resource.RLIMIT_FSIZE,
        # CPU seconds of the whole runner process.
        "DRIFTBOT_RUNNER_CPU_LIMIT": resource.RLIMIT_CPU,
        # Processes of the sandbox's user (only set inside the sandbox, where that user is
        # the sandbox's own: outside it would count every process of driftbot's user).
        "DRIFTBOT_RUNNER_PROCESS_LIMIT": resource.RLIMIT_NPROC,
    }
    for variable, limit in limits.items():
        value = os.environ.pop(variable, None)
        if value:
            resource.setrlimit(limit, (int(value), int(value)))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


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
    labelled = {}
    for revision in by_id.values():
        for label in revision["branchLabels"]:
            if label in labelled:
                problems.append({
                    "kind": "duplicate",
                    "message": f"branch label {label!r} is declared twice: {labelled[label]['path']} and {revision['path']}",
                    "path": revision["path"],
                    "revision": revision["revision"],
                })
            labelled.setdefault(label, revision)
    labels = labelled.keys()
    for revision in by_id.values():
        for field, names, known in (("down_revision", revision["downRevisions"], by_id), ("depends_on", revision["dependsOn"], by_id.keys() | labels)):
            for name in names:
                if name not in known:
                    problems.append({
                        "kind": "dangling",
                        "message": f"{revision['path']}: {field} {name!r} names no revision in {rel(versions, root)}",
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
    if not any(p["kind"] != "unreadable" for p in problems):
        # A sound graph: Alembic's own reading of it, so that order and heads are exactly what `upgrade` will do.
        heads, bases, order = alembic_graph(by_id.values())
    if len(heads) > 1:
        problems.append({
            "kind": "multiple-heads",
            "message": f"{rel(versions, root)} has {len(heads)} heads ({', '.join(heads)}): `alembic upgrade head` refuses to run until a merge revision joins them",
            "path": by_id[heads[-1]]["path"],
            "revision": heads[-1],
        })
    return {"revisions": revisions, "heads": heads, "bases": bases, "order": order, "problems": problems}


def alembic_graph(revisions):
    """Heads, bases and base → head order, from alembic's RevisionMap (nothing is executed)."""
    from alembic.script.revision import Revision, RevisionMap

    nodes = [
        Revision(
            r["revision"],
            tuple(r["downRevisions"]) or None,
            dependencies=tuple(r["dependsOn"]) or None,
            branch_labels=tuple(r["branchLabels"]) or None,
        )
        for r in revisions
    ]
    graph = RevisionMap(lambda: nodes)
    order = [r.revision for r in graph.iterate_revisions("heads", "base")]
    return sorted(graph.heads), sorted(graph.bases), order[::-1]


def topological_order(by_id):
    """Base → head order, and the revisions of a cycle when there is one (for graphs
    alembic refuses to read)."""
    order, state = [], {}

    def visit(revision, trail):
        if state.get(revision) == "done":
            return None
        if state.get(revision) == "visiting":
            return trail[trail.index(revision):] + [revision]
        state[revision] = "visiting"
        for down in by_id[revision]["downRevisions"] + by_id[revision]["dependsOn"]:
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


def is_decoration(args, kwargs):
    """`@stand_in` or `@stand_in(...)` applied to a function or class: called with it alone."""
    return len(args) == 1 and not kwargs and callable(args[0]) and not isinstance(args[0], StandIn)


class StandIn:
    """An instance of a stand-in (what calling one returns): attribute access, calls and
    subscripts yield more stand-ins, and a decorator hands back what it decorates."""

    def __init__(self, *args, **kwargs):
        # Mixed in before a real base (`class User(StandInMixin, Base)`), the real constructor still runs.
        following = type(self).__mro__[type(self).__mro__.index(StandIn) + 1 :]
        if any("__init__" in klass.__dict__ for klass in following if klass is not object):
            super().__init__(*args, **kwargs)

    def __init_subclass__(cls, **kwargs):
        # Class keywords meant for the real base (`class S(BaseSettings, env_prefix="APP_")`).
        super().__init_subclass__()

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return StandIn()

    def __call__(self, *args, **kwargs):
        return args[0] if is_decoration(args, kwargs) else StandIn()

    def __getitem__(self, key):
        return StandIn()

    def __iter__(self):
        return iter(())

    def __bool__(self):
        return False

    def __str__(self):
        return ""


class StandInMeta(DeclarativeMeta, abc.ABCMeta):
    """The type of every stand-in class. It derives from SQLAlchemy's and abc's metaclasses
    so that a stand-in mixed into a declarative model (`class User(SQLAlchemyBaseUserTable,
    Base)`) or an ABC does not fail with a metaclass conflict."""

    def __init__(cls, name, bases, namespace, **kwargs):
        if any(isinstance(base, DeclarativeMeta) and not isinstance(base, StandInMeta) for base in cls.__mro__[1:]):
            # A `declarative_base()` model with a stand-in among its bases: map it, as its own metaclass would.
            DeclarativeMeta.__init__(cls, name, bases, namespace)
        else:
            type.__init__(cls, name, bases, namespace)

    def __getattr__(cls, name):
        # Private names stay missing: SQLAlchemy and abc probe `_sa_*` / `_abc_*` and expect AttributeError.
        if name.startswith("_"):
            raise AttributeError(name)
        return stand_in_class(name)

    def __call__(cls, *args, **kwargs):
        # A stand-in used as a decorator hands the decorated function or class back unchanged;
        # the app's own subclasses of stand-ins are constructed as usual.
        if "__driftbot_stand_in__" in cls.__dict__ and is_decoration(args, kwargs):
            return args[0]
        return super().__call__(*args, **kwargs)

    def __getitem__(cls, key):
        return cls

    def __iter__(cls):
        return iter(())


def stand_in_class(name):
    return StandInMeta(name, (StandIn,), {"__module__": "driftbot.stand_in", "__driftbot_stand_in__": True})


class StandInModule(types.ModuleType):
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


IMPORTLIB_DIR = os.path.dirname(os.path.abspath(importlib.__file__)) + os.sep


def importing_file():
    """The file whose `import` statement is being resolved (past importlib's frames:
    frozen ones, and `importlib.import_module`)."""
    frame = sys._getframe(2)
    while frame:
        filename = frame.f_code.co_filename
        if not filename.startswith("<") and not os.path.abspath(filename).startswith(IMPORTLIB_DIR) and os.path.abspath(filename) != THIS_FILE:
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
        if not (parent and isinstance(sys.modules.get(parent), StandInModule)):
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
        if isinstance(module, StandInModule) or (IMPORT_ROOTS and loaded_from(module, IMPORT_ROOTS)):
            del sys.modules[name]
    for path in IMPORT_ROOTS:
        while path in sys.path:
            sys.path.remove(path)
    IMPORT_ROOTS[:] = roots
    # The previous tree's mapped classes and registries go now, not at some later
    # collection, so that SQLAlchemy's global mapper configuration never sees them.
    gc.collect()
    SOURCE_TREES.clear()
    CLASS_BODIES.clear()
    for path in reversed([os.path.abspath(p) for p in request.get("pythonPaths", [])]):
        sys.path.insert(0, path)
    importlib.invalidate_caches()
    STAND_INS.root = os.path.abspath(request["root"]) if request.get("stubMissingImports") else None
    STAND_INS.records = []


def loaded_from(module, roots):
    """Whether a module comes from one of these folders: by its file, or by its
    `__path__` for namespace packages, which have no file."""
    namespace = getattr(module, "__dict__", {})
    locations = [namespace.get("__file__"), *(namespace.get("__path__") or [])]
    return any(isinstance(location, str) and is_under(location, roots) for location in locations)


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
    """Every engine a migration creates (from app settings, a hard-coded URL,
    `engine_from_config`…) points at the throwaway database: such migrations work, and
    none reaches another server. Yields the real `create_engine`, for the runner's own."""
    import sqlalchemy
    import sqlalchemy.engine
    import sqlalchemy.engine.create
    import sqlalchemy.ext.asyncio
    import sqlalchemy.ext.asyncio.engine
    from sqlalchemy.exc import ArgumentError

    real_sync, real_async = sqlalchemy.engine.create.create_engine, sqlalchemy.ext.asyncio.engine.create_async_engine

    def redirected(real):
        def create(*args, **kwargs):
            # connect_args belong to the driver the app meant (asyncpg's server_settings…), and
            # could override the statement timeout: the throwaway database gets none of them.
            kwargs = {k: v for k, v in kwargs.items() if k not in ("url", "connect_args")}
            try:
                return real(url, **kwargs)
            except (ArgumentError, TypeError) as error:
                print(f"driftbot: engine options {sorted(kwargs)} do not fit psycopg ({error}); creating the engine without them", file=sys.stderr)
                return real(url)

        return create

    # The public names, and the module globals that engine_from_config / async_engine_from_config call.
    places = [
        (sqlalchemy, "create_engine", real_sync),
        (sqlalchemy.engine, "create_engine", real_sync),
        (sqlalchemy.engine.create, "create_engine", real_sync),
        (sqlalchemy.ext.asyncio, "create_async_engine", real_async),
        (sqlalchemy.ext.asyncio.engine, "create_async_engine", real_async),
    ]
    for module, name, real in places:
        setattr(module, name, redirected(real))
    try:
        yield real_sync
    finally:
        for module, name, real in places:
            setattr(module, name, real)


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
            f'extension "{name}" is not available on this Postgres server: point DRIFTBOT_DATABASE_URL at a server '
            f"that has {name} installed (driftbot's embedded Postgres has only the contrib extensions). ({text.splitlines()[0]})"
        )
    return "\n".join(text.splitlines()[:8])


def deepest_line_in(error, path):
    """The line of `path` nearest to where the error was raised."""
    line = None
    if isinstance(error, SyntaxError) and error.filename and os.path.abspath(error.filename) == os.path.abspath(path):
        return error.lineno
    for frame in traceback.extract_tb(error.__traceback__):
        if os.path.abspath(frame.filename) == os.path.abspath(path):
            line = frame.lineno
    return line


def failing_revision_file(error, versions):
    """The revision file at fault when loading the versions folder failed (a module-level
    import or a syntax error): the deepest traceback frame inside the folder."""
    found = None
    if isinstance(error, SyntaxError) and error.filename and is_under(error.filename, [versions]):
        return os.path.abspath(error.filename)
    for frame in traceback.extract_tb(error.__traceback__):
        if is_under(frame.filename, [versions]):
            found = os.path.abspath(frame.filename)
    return found


def revision_id_of(path):
    """The `revision = "…"` of a file, by its text: it may not even parse."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        match = re.search(r"""^revision\s*(?::[^=\n]*)?=\s*['"]([^'"\n]+)['"]""", handle.read(), re.MULTILINE)
    return match.group(1) if match else None


def migration_failure(error, script, versions, root):
    """A failure as the report names it: revision, file, line and the error's own words."""
    if script is not None:
        path, revision = script.path, script.revision
    else:
        path = failing_revision_file(error, versions)
        # Not one revision's fault (the folder itself, say): name the folder.
        revision = (revision_id_of(path) if path else None) or "(loading)"
    return {
        "revision": revision,
        "path": rel(path or versions, root),
        "line": deepest_line_in(error, path) if path else None,
        "error": error_text(error),
    }


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
            except (Exception, SystemExit) as error:  # a migration that fails is a result, not a crash
                failure = migration_failure(error, running["script"], versions, root)
            finally:
                engine.dispose()
    finally:
        event.remove(Engine, "before_cursor_execute", capture)
    return {"applied": applied, "standIns": stand_ins(), "failure": failure}


# -------------------------------------------------------------------- models


def import_model_file(path, python_paths, root):
    """Import a model file under its real module name (from the longest python path that
    holds it), so package-relative imports work; by path when no python path holds it."""
    path = os.path.abspath(path)
    bases = sorted((os.path.abspath(p) for p in python_paths if is_under(path, [os.path.abspath(p)])), key=len, reverse=True)
    if bases:
        module_name = os.path.relpath(path, bases[0])[: -len(".py")].replace(os.sep, ".")
        if module_name.endswith(".__init__"):
            module_name = module_name[: -len(".__init__")]
        return importlib.import_module(module_name)
    name = "driftbot_models_" + re.sub(r"\W", "_", rel(path, root))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def repository_modules(roots):
    """Modules loaded from the repository's files (stand-ins and namespace packages have none)."""
    for module in list(sys.modules.values()):
        origin = getattr(module, "__dict__", {}).get("__file__")
        if isinstance(origin, str) and origin.endswith(".py") and is_under(origin, roots):
            yield module


def collect_metadata(roots):
    """Every MetaData reachable from the repository's loaded modules: module-level
    MetaData, Table and registry objects, and declarative bases' `.metadata`."""
    from sqlalchemy import MetaData, Table
    from sqlalchemy.orm import registry as Registry

    found, registries = {}, {}
    for module in repository_modules(roots):
        for value in list(vars(module).values()):
            metadata, registry = None, None
            if isinstance(value, MetaData):
                metadata = value
            elif isinstance(value, Table):
                metadata = value.metadata
            elif isinstance(value, Registry):
                metadata, registry = value.metadata, value
            elif isinstance(value, type) and not isinstance(value, StandInMeta):
                registry = value.__dict__.get("registry") or value.__dict__.get("_sa_registry")
                registry = registry if isinstance(registry, Registry) else None
                metadata = registry.metadata if registry is not None else None
            if metadata is not None:
                found[id(metadata)] = metadata
            if registry is not None:
                registries[id(registry)] = registry
    return list(found.values()), list(registries.values())


def mappers_by_table(registries):
    """The mappers of each table, the base mapper first (single-table inheritance maps
    several classes to one table)."""
    by_table = {}
    for registry in registries:
        for mapper in registry.mappers:
            if mapper.local_table is not None and getattr(mapper.local_table, "name", None):
                by_table.setdefault(mapper.local_table, []).append(mapper)
    for mappers in by_table.values():
        mappers.sort(key=lambda m: len(m.class_.__mro__))
    return by_table


SOURCE_TREES = {}
CLASS_BODIES = {}


def source_tree(path):
    if path not in SOURCE_TREES:
        try:
            with open(path, encoding="utf-8") as handle:
                SOURCE_TREES[path] = ast.parse(handle.read())
        except (OSError, SyntaxError, UnicodeDecodeError):
            SOURCE_TREES[path] = ast.Module(body=[], type_ignores=[])
    return SOURCE_TREES[path]


def class_body(cls):
    """(path, line of `class`, attribute → line) for what a class's own body declares
    (assignments, annotations, `declared_attr` functions), read with ast. Cached per
    class: inspect's source lookups re-parse the module on every call."""
    if cls not in CLASS_BODIES:
        CLASS_BODIES[cls] = read_class_body(cls)
    return CLASS_BODIES[cls]


def read_class_body(cls):
    try:
        path = inspect.getsourcefile(cls)
        _, first_line = inspect.getsourcelines(cls)  # the first decorator's line, when decorated
    except (OSError, TypeError):
        return None, None, {}
    for node in ast.walk(source_tree(path)):
        if isinstance(node, ast.ClassDef) and node.name == cls.__name__ and min([node.lineno] + [d.lineno for d in node.decorator_list]) == first_line:
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
            return path, node.lineno, names
    return path, first_line, {}


def declaration_site(cls, attribute, root):
    """The first class in the MRO whose own body declares the attribute (a mixin, often)."""
    for klass in cls.__mro__:
        if klass is object:
            continue
        path, _, names = class_body(klass)
        if attribute in names:
            return {"path": rel(path, root), "line": names[attribute], "className": klass.__name__}
    return None


def called_name(call):
    function = call.func
    return function.attr if isinstance(function, ast.Attribute) else function.id if isinstance(function, ast.Name) else None


def first_string_argument(call):
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def table_calls(modules):
    """Every `Table("name", …)` call in the given modules' sources: (name, schema) →
    (path, line, column name → line of its `Column("name", …)`)."""
    found = {}
    for path in sorted({module.__file__ for module in modules}):
        for node in ast.walk(source_tree(path)):
            if not (isinstance(node, ast.Call) and called_name(node) == "Table" and first_string_argument(node)):
                continue
            schema = next((k.value.value for k in node.keywords if k.arg == "schema" and isinstance(k.value, ast.Constant)), None)
            columns = {}
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call) and called_name(inner) in ("Column", "mapped_column") and first_string_argument(inner):
                    columns.setdefault(first_string_argument(inner), inner.lineno)
            found.setdefault((first_string_argument(node), schema), (path, node.lineno, columns))
    return found


def holder_site(metadata, modules):
    """Where a module binds the MetaData (or the base or registry that owns it): the last
    resort for a table whose declaration cannot be found (built in a loop, say)."""
    for module in modules:
        for name, value in vars(module).items():
            if value is metadata or getattr(value, "metadata", None) is metadata:
                for node in source_tree(module.__file__).body:
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
                    if isinstance(node, ast.ClassDef) and node.name == name or any(isinstance(t, ast.Name) and t.id == name for t in targets):
                        return module.__file__, node.lineno
    return None, None


def describe_table(table, mappers, calls, modules, root):
    """The table's declaration site and each column's: the mapped class (through its
    mixins) when there is one, else the `Table(...)` call."""
    cls = mappers[0].class_ if mappers else None
    path, line, column_lines = None, None, {}
    if (table.name, table.schema) in calls:
        path, line, column_lines = calls[(table.name, table.schema)]
    if cls is not None:
        class_path, class_line, _ = class_body(cls)
        if class_path is not None:
            path, line = class_path, class_line
    if path is None:
        path, line = holder_site(table.metadata, modules)
    columns = []
    for column in table.columns:
        attribute, site = column.key, None
        for mapper in mappers:
            try:
                attribute = mapper.get_property_by_column(column).key
            except Exception:  # noqa: BLE001 - not mapped by this class (a subclass's column)
                continue
            site = declaration_site(mapper.class_, attribute, root)
            if site:
                break
        if site is None and column.name in column_lines:
            site = {"path": rel(calls[(table.name, table.schema)][0], root), "line": column_lines[column.name], "className": cls.__name__ if cls else None}
        columns.append({
            "name": column.name,
            "attribute": attribute,
            "path": site["path"] if site else rel(path, root) if path else None,
            "line": site["line"] if site else line,
            "className": site["className"] if site else (cls.__name__ if cls else None),
        })
    return {
        "schema": table.schema or "public",
        "name": table.name,
        "className": cls.__name__ if cls is not None else None,
        "path": rel(path, root) if path else None,
        "line": line,
        "columns": columns,
    }


def models(request):
    prepare_imports(request)
    from sqlalchemy import text
    from sqlalchemy.pool import NullPool

    root = request["root"]
    errors = []
    url = sqlalchemy_url(request["url"])
    with engines_redirected_to(url) as real_create_engine:
        for path in request["files"]:
            try:
                import_model_file(path, request.get("pythonPaths", []), root)
            except (Exception, SystemExit) as error:
                errors.append({"path": rel(path, root), "message": f"cannot import {rel(path, root)}: {type(error).__name__}: {error}"})
        modules = list(repository_modules(IMPORT_ROOTS))
        metadatas, registries = collect_metadata(IMPORT_ROOTS)
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

    mappers = mappers_by_table(registries)
    calls = table_calls(modules)
    tables = [describe_table(table, mappers.get(table, []), calls, modules, root) for metadata in metadatas for table in metadata.tables.values()]
    return {"tables": tables, "standIns": stand_ins(), "errors": errors}


# ---------------------------------------------------------------------- main


COMMANDS = {"scan": scan, "upgrade": upgrade, "models": models}


def main():
    set_limits()
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
