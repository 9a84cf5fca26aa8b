"""`models`: the repository's model files imported, their SQLAlchemy metadata created
in a database with `create_all`, and each table and column traced to the source line
that declares it (the model class, one of its mixins, or a `Table(...)` call)."""

import ast
import importlib
import importlib.util
import inspect
import os
import re
import sys
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import Any, TypedDict

from sqlalchemy import MetaData, Table, text
from sqlalchemy.exc import NoReferencedTableError
from sqlalchemy.orm import Mapper
from sqlalchemy.orm import registry as Registry
from sqlalchemy.pool import NullPool

from .engines import engines_redirected_to
from .imports import Imports
from .paths import SCHEMA_NAME, is_under, rel, sqlalchemy_url
from .references import declaring_files, drop_foreign_keys_to
from .stand_ins import StandInMeta, StandInRecord


class Site(TypedDict):
    path: str
    line: int
    className: str | None


class ModelColumn(TypedDict):
    name: str
    attribute: str
    path: str | None
    line: int | None
    className: str | None


class ModelTable(TypedDict):
    schema: str
    name: str
    className: str | None
    path: str | None
    line: int | None
    columns: list[ModelColumn]


class ImportProblem(TypedDict):
    path: str
    message: str


class ModelsResult(TypedDict):
    tables: list[ModelTable]
    standIns: list[StandInRecord]
    errors: list[ImportProblem]
    warnings: list[str]


# (path, line of `class`, attribute → line) of what a class's own body declares.
ClassBody = tuple[str | None, int | None, dict[str, int]]
# (table name, schema) → (path, line, column name → line of its `Column("name", …)`).
TableCalls = dict[tuple[str, str | None], tuple[str, int, dict[str, int]]]


def import_model_file(path: str, python_paths: Iterable[str], root: str) -> ModuleType:
    """Import a model file under its real module name (from the longest python path that
    holds it), so package-relative imports work; by path when no python path holds it."""
    path = os.path.abspath(path)
    bases = sorted((os.path.abspath(p) for p in python_paths if is_under(path, [os.path.abspath(p)])), key=len, reverse=True)
    if bases:
        module_name = os.path.relpath(path, bases[0])[: -len(".py")].replace(os.sep, ".")
        module_name = module_name.removesuffix(".__init__")
        return importlib.import_module(module_name)
    name = "driftbot_models_" + re.sub(r"\W", "_", rel(path, root))
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{rel(path, root)} is not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def collect_metadata(modules: Iterable[ModuleType]) -> tuple[list[MetaData], list[Registry]]:
    """Every MetaData reachable from the repository's loaded modules: module-level
    MetaData, Table and registry objects, and declarative bases' `.metadata`."""
    found: dict[int, MetaData] = {}
    registries: dict[int, Registry] = {}
    for module in modules:
        for value in list(vars(module).values()):
            metadata, registry = None, None
            if isinstance(value, MetaData):
                metadata = value
            elif isinstance(value, Table):
                metadata = value.metadata
            elif isinstance(value, Registry):
                metadata, registry = value.metadata, value
            elif isinstance(value, type) and not isinstance(value, StandInMeta):
                candidate = value.__dict__.get("registry") or value.__dict__.get("_sa_registry")
                registry = candidate if isinstance(candidate, Registry) else None
                metadata = registry.metadata if registry is not None else None
            if metadata is not None:
                found[id(metadata)] = metadata
            if registry is not None:
                registries[id(registry)] = registry
    return list(found.values()), list(registries.values())


def mappers_by_table(registries: Iterable[Registry]) -> dict[Any, list[Mapper[Any]]]:
    """The mappers of each table, the base mapper first (single-table inheritance maps
    several classes to one table)."""
    by_table: dict[Any, list[Mapper[Any]]] = {}
    for registry in registries:
        for mapper in registry.mappers:
            if mapper.local_table is not None and getattr(mapper.local_table, "name", None):
                by_table.setdefault(mapper.local_table, []).append(mapper)
    for mappers in by_table.values():
        mappers.sort(key=lambda m: len(m.class_.__mro__))
    return by_table


def called_name(call: ast.Call) -> str | None:
    function = call.func
    if isinstance(function, ast.Attribute):
        return function.attr
    return function.id if isinstance(function, ast.Name) else None


def first_string_argument(call: ast.Call) -> str | None:
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


class Sources:
    """The repository's source files read with ast, once per request: inspect's source
    lookups re-parse a module on every call (models of a monorepo: 4.2 s → 0.5 s)."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.trees: dict[str, ast.Module] = {}
        self.bodies: dict[type, ClassBody] = {}

    def tree(self, path: str) -> ast.Module:
        if path not in self.trees:
            try:
                with open(path, encoding="utf-8") as handle:
                    self.trees[path] = ast.parse(handle.read())
            except (OSError, SyntaxError, UnicodeDecodeError):
                self.trees[path] = ast.Module(body=[], type_ignores=[])
        return self.trees[path]

    def class_body(self, cls: type) -> ClassBody:
        """What a class's own body declares (assignments, annotations, `declared_attr`
        functions)."""
        if cls not in self.bodies:
            self.bodies[cls] = self.read_class_body(cls)
        return self.bodies[cls]

    def read_class_body(self, cls: type) -> ClassBody:
        try:
            path = inspect.getsourcefile(cls)
        except (OSError, TypeError):
            return None, None, {}
        if path is None:
            return None, None, {}
        # The one definition at the class's qualified name, in the tree already parsed.
        # Only when that is ambiguous (defined twice, in a branch) does inspect decide:
        # Python 3.11's getsourcelines parses the whole module again for every class.
        found = classes_named(self.tree(path), cls.__qualname__)
        if len(found) == 1:
            return path, found[0].lineno, declared_names(found[0])
        try:
            _, first_line = inspect.getsourcelines(cls)  # the first decorator's line, when decorated
        except (OSError, TypeError):
            return None, None, {}
        for node in ast.walk(self.tree(path)):
            if (
                isinstance(node, ast.ClassDef)
                and node.name == cls.__name__
                and min([node.lineno] + [d.lineno for d in node.decorator_list]) == first_line
            ):
                return path, node.lineno, declared_names(node)
        return path, first_line, {}

    def declaration_site(self, cls: type, attribute: str) -> Site | None:
        """The first class in the MRO whose own body declares the attribute (a mixin, often)."""
        for klass in cls.__mro__:
            if klass is object:
                continue
            path, _, names = self.class_body(klass)
            if path is not None and attribute in names:
                return {"path": rel(path, self.root), "line": names[attribute], "className": klass.__name__}
        return None

    def table_calls(self, modules: Iterable[ModuleType]) -> TableCalls:
        """Every `Table("name", …)` call in the given modules' sources."""
        found: TableCalls = {}
        for path in sorted({module_file(module) for module in modules}):
            for node in ast.walk(self.tree(path)):
                name = first_string_argument(node) if isinstance(node, ast.Call) and called_name(node) == "Table" else None
                if not isinstance(node, ast.Call) or name is None:
                    continue
                schema = next(
                    (
                        k.value.value
                        for k in node.keywords
                        if k.arg == "schema" and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str)
                    ),
                    None,
                )
                columns: dict[str, int] = {}
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Call) and called_name(inner) in ("Column", "mapped_column"):
                        column = first_string_argument(inner)
                        if column is not None:
                            columns.setdefault(column, inner.lineno)
                found.setdefault((name, schema), (path, node.lineno, columns))
        return found

    def holder_site(self, metadata: MetaData, modules: Iterable[ModuleType]) -> tuple[str | None, int | None]:
        """Where a module binds the MetaData (or the base or registry that owns it): the last
        resort for a table whose declaration cannot be found (built in a loop, say)."""
        for module in modules:
            for name, value in vars(module).items():
                if value is metadata or getattr(value, "metadata", None) is metadata:
                    line = binding_line(self.tree(module_file(module)), name)
                    if line is not None:
                        return module_file(module), line
        return None, None


def classes_named(tree: ast.Module, qualname: str) -> list[ast.ClassDef]:
    """The class definitions whose qualified name is `qualname`, named as Python names
    them: a class's name after its enclosing classes', a function's followed by `<locals>`."""
    found: list[ast.ClassDef] = []

    def visit(nodes: Iterable[ast.AST], prefix: str) -> None:
        for node in nodes:
            if isinstance(node, ast.ClassDef):
                name = f"{prefix}{node.name}"
                if name == qualname:
                    found.append(node)
                visit(node.body, f"{name}.")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(node.body, f"{prefix}{node.name}.<locals>.")
            else:
                # Definitions inside if/try/with/for/match blocks keep the enclosing prefix
                # (statements only: an expression holds no class statement).
                for block in ("body", "orelse", "finalbody", "handlers", "cases"):
                    inner = getattr(node, block, None)
                    if isinstance(inner, list):
                        visit(inner, prefix)

    visit(tree.body, "")
    return found


def module_file(module: ModuleType) -> str:
    """The file of a repository module (Imports.repository_modules keeps only those with one)."""
    path: str = module.__dict__["__file__"]
    return path


def declared_names(node: ast.ClassDef) -> dict[str, int]:
    names: dict[str, int] = {}
    for item in node.body:
        if isinstance(item, ast.Assign):
            for target in item.targets:
                if isinstance(target, ast.Name):
                    names.setdefault(target.id, item.lineno)
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            names.setdefault(item.target.id, item.lineno)
        elif isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.setdefault(item.name, item.lineno)
    return names


def binding_line(tree: ast.Module, name: str) -> int | None:
    """The line of the module-level statement that binds `name`: a class, or an assignment."""
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            return node.lineno
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return node.lineno
    return None


def describe_table(
    table: Table,
    mappers: list[Mapper[Any]],
    calls: TableCalls,
    modules: list[ModuleType],
    sources: Sources,
    default_schema: str,
) -> ModelTable:
    """The table's declaration site and each column's: the mapped class (through its
    mixins) when there is one, else the `Table(...)` call."""
    root = sources.root
    cls = mappers[0].class_ if mappers else None
    class_name = cls.__name__ if cls is not None else None
    path: str | None = None
    line: int | None = None
    column_lines: dict[str, int] = {}
    if (table.name, table.schema) in calls:
        path, line, column_lines = calls[(table.name, table.schema)]
    if cls is not None:
        class_path, class_line, _ = sources.class_body(cls)
        if class_path is not None:
            path, line = class_path, class_line
    if path is None:
        path, line = sources.holder_site(table.metadata, modules)
    columns: list[ModelColumn] = []
    for column in table.columns:
        attribute, site = column.key, None
        for mapper in mappers:
            try:
                attribute = mapper.get_property_by_column(column).key
            except Exception:  # noqa: BLE001 - not mapped by this class (a subclass's column)
                continue
            site = sources.declaration_site(mapper.class_, attribute)
            if site:
                break
        if site is None and column.name in column_lines:
            site = {"path": rel(calls[(table.name, table.schema)][0], root), "line": column_lines[column.name], "className": class_name}
        columns.append(
            {
                "name": column.name,
                "attribute": attribute,
                "path": site["path"] if site else rel(path, root) if path else None,
                "line": site["line"] if site else line,
                "className": site["className"] if site else class_name,
            }
        )
    return {
        "schema": table.schema or default_schema,
        "name": table.name,
        "className": class_name,
        "path": rel(path, root) if path else None,
        "line": line,
        "columns": columns,
    }


def models(request: Mapping[str, Any], imports: Imports) -> ModelsResult:
    imports.prepare(request)
    root: str = request["root"]
    python_paths: list[str] = request.get("pythonPaths", [])
    errors: list[ImportProblem] = []
    warnings: list[str] = []
    chain_schemas: list[str] = request.get("chainSchemas") or []
    for schema in chain_schemas:
        if not SCHEMA_NAME.fullmatch(schema):
            raise ValueError(f"not a schema name: {schema!r}")
    url = sqlalchemy_url(request["url"], request.get("statementTimeoutMs"))
    with engines_redirected_to(url) as redirect:
        for path in request["files"]:
            try:
                import_model_file(path, python_paths, root)
            except (Exception, SystemExit) as error:  # noqa: BLE001 - a model file that fails to import is reported, not a crash
                errors.append({"path": rel(path, root), "message": f"cannot import {rel(path, root)}: {type(error).__name__}: {error}"})
        modules, metadatas, registries = resolve_references(request, imports, warnings, errors)
        default_schema = unnamed_tables_schema(chain_schemas, metadatas, warnings)
        engine = redirect.create_engine(url, poolclass=NullPool)
        try:
            with engine.begin() as connection:
                schemas = {t.schema for m in metadatas for t in m.tables.values() if t.schema}
                if default_schema is not None:
                    schemas.add(default_schema)
                for schema in sorted(schemas):
                    quoted = schema.replace('"', '""')
                    connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{quoted}"'))
                if default_schema is not None:
                    connection.execution_options(schema_translate_map={None: default_schema})
                for metadata in metadatas:
                    metadata.create_all(connection)
        finally:
            engine.dispose()

    mappers = mappers_by_table(registries)
    sources = Sources(root)
    calls = sources.table_calls(modules)
    tables = [
        describe_table(table, mappers.get(table, []), calls, modules, sources, default_schema or "public")
        for metadata in metadatas
        for table in metadata.tables.values()
    ]
    return {"tables": tables, "standIns": imports.finder.stand_ins(), "errors": errors, "warnings": warnings}


def unnamed_tables_schema(chain_schemas: list[str], metadatas: list[MetaData], warnings: list[str]) -> str | None:
    """Where the models' tables without a schema land: the chain schema the models name
    for none of their tables, as a per-tenant `create_all` translates them there
    (`schema_translate_map={None: schema}`, Dispatch's init_schema: its core tables name
    `dispatch_core`, its tenant tables nothing). One chain schema is it even when some
    tables name it. None (the server's default) when no chain runs in a schema, or
    several are left to choose from, said in `warnings`."""
    schemas = list(dict.fromkeys(chain_schemas))
    if len(schemas) <= 1:
        return schemas[0] if schemas else None
    named = {t.schema for m in metadatas for t in m.tables.values() if t.schema}
    left = [schema for schema in schemas if schema not in named]
    if len(left) == 1:
        return left[0]
    if any(t.schema is None for m in metadatas for t in m.tables.values()):
        warnings.append(
            f"models: the chains run in schemas {', '.join(schemas)}, and the models name"
            f" {'all' if not left else 'none'} of them, so their tables without a schema are built in the"
            " default one (public); give those models a schema, or compare one schema per database"
        )
    return None


def resolve_references(
    request: Mapping[str, Any], imports: Imports, warnings: list[str], errors: list[ImportProblem]
) -> tuple[list[ModuleType], list[MetaData], list[Registry]]:
    """The repository's modules and metadata, once every foreign key names a table the
    metadata has: the one file that declares a missing table is imported; a table no
    file (or several) declares loses the foreign keys to it, said in `warnings`."""
    root: str = request["root"]
    tried: set[str] = set()
    while True:
        modules = imports.repository_modules()
        metadatas, registries = collect_metadata(modules)
        missing = first_missing_table(metadatas)
        if missing is None:
            return modules, metadatas, registries
        candidates = [] if missing in tried else declaring_files(root, missing, request.get("skip", []))
        tried.add(missing)
        if len(candidates) == 1:
            try:
                import_model_file(candidates[0], request.get("pythonPaths", []), root)
                continue
            except (Exception, SystemExit) as error:  # noqa: BLE001 - reported; the key is left out below
                errors.append(
                    {
                        "path": rel(candidates[0], root),
                        "message": f"cannot import {rel(candidates[0], root)}: {type(error).__name__}: {error}",
                    }
                )
        dropped = drop_foreign_keys_to(metadatas, missing)
        where = (
            "no file declares it"
            if not candidates
            else f"{len(candidates)} files declare it"
            if len(candidates) > 1
            else "its file failed to import"
        )
        warnings.append(
            f"models: foreign keys to table {missing!r} were left out of the models build ({'; '.join(dropped)}):"
            f" no imported model declares it and {where};"
            " list the module that declares it under databases[].models"
        )


def first_missing_table(metadatas: Iterable[MetaData]) -> str | None:
    """The first table a foreign key names that its metadata does not hold."""
    for metadata in metadatas:
        for table in metadata.tables.values():
            for key in table.foreign_keys:
                try:
                    key.column  # noqa: B018 - resolving the target is the check
                except NoReferencedTableError as error:
                    return str(error.table_name)
    return None
