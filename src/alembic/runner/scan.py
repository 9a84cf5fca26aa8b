"""`scan`: a versions folder read statically, with `ast` (no revision file is
executed), and the problems of its revision graph."""

import ast
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypedDict

from alembic.script.revision import Revision, RevisionMap

from .paths import rel

REVISION_FIELDS = ("revision", "down_revision", "depends_on", "branch_labels")


class ScannedRevision(TypedDict):
    revision: str
    downRevisions: list[str]
    dependsOn: list[str]
    branchLabels: list[str]
    path: str
    line: int
    message: str


class _Problem(TypedDict):
    kind: str
    message: str


class Problem(_Problem, total=False):
    path: str
    revision: str


class ScanResult(TypedDict):
    revisions: list[ScannedRevision]
    heads: list[str]
    bases: list[str]
    order: list[str]
    problems: list[Problem]


def as_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def read_revision_file(path: str, root: str) -> tuple[ScannedRevision | None, str | None]:
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
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
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
    docstring = (ast.get_docstring(tree) or "").strip()
    return {
        "revision": str(values["revision"]),
        "downRevisions": as_list(values.get("down_revision")),
        "dependsOn": as_list(values.get("depends_on")),
        "branchLabels": as_list(values.get("branch_labels")),
        "path": relpath,
        "line": lines["revision"],
        "message": docstring.splitlines()[0] if docstring else "",
    }, None


def revision_files(versions: str) -> Iterator[str]:
    for directory, folders, files in os.walk(versions):
        folders[:] = sorted(f for f in folders if f != "__pycache__" and not f.startswith("."))
        for name in sorted(files):
            if name.endswith(".py") and name != "__init__.py":
                yield os.path.join(directory, name)


def scan(request: Mapping[str, Any]) -> ScanResult:
    versions: str = request["versions"]
    root: str = request["root"]
    # Files already read, by path from the root: the caller knows their bytes are those of
    # a file it kept the reading of (analysis/scan-cache.ts), so only the others are parsed.
    known: Mapping[str, ScannedRevision] = request.get("known") or {}
    if not os.path.isdir(versions):
        raise ValueError(f"versions folder not found: {rel(versions, root)}")
    revisions: list[ScannedRevision] = []
    problems: list[Problem] = []
    for path in revision_files(versions):
        kept = known.get(rel(path, root))
        if kept is not None:
            revisions.append(kept)
            continue
        revision, problem = read_revision_file(path, root)
        if revision is None:
            problems.append({"kind": "unreadable", "message": f"{rel(path, root)}: {problem}", "path": rel(path, root)})
        else:
            revisions.append(revision)
    by_id, duplicates = index_revisions(revisions)
    problems += duplicates + dangling_references(by_id, rel(versions, root))

    order, cycle = topological_order(by_id)
    if cycle:
        problems.append(
            {
                "kind": "cycle",
                "message": "the revisions form a cycle: " + " → ".join(cycle),
                "path": by_id[cycle[0]]["path"],
                "revision": cycle[0],
            }
        )
    referenced = {down for r in by_id.values() for down in r["downRevisions"]}
    heads = sorted(r for r in by_id if r not in referenced)
    bases = sorted(r for r, value in by_id.items() if not value["downRevisions"])
    if not any(p["kind"] != "unreadable" for p in problems):
        # A sound graph: Alembic's own reading of it, so that order and heads are exactly what `upgrade` will do.
        heads, bases, order = alembic_graph(by_id.values())
    if len(heads) > 1:
        problems.append(
            {
                "kind": "multiple-heads",
                "message": f"{rel(versions, root)} has {len(heads)} heads ({', '.join(heads)}): "
                "`alembic upgrade head` refuses to run until a merge revision joins them",
                "path": by_id[heads[-1]]["path"],
                "revision": heads[-1],
            }
        )
    return {"revisions": revisions, "heads": heads, "bases": bases, "order": order, "problems": problems}


def index_revisions(revisions: list[ScannedRevision]) -> tuple[dict[str, ScannedRevision], list[Problem]]:
    """Revisions by id (the first of a duplicated id wins), and the duplicated ids and branch labels."""
    by_id: dict[str, ScannedRevision] = {}
    problems: list[Problem] = []
    for revision in revisions:
        first = by_id.get(revision["revision"])
        if first is None:
            by_id[revision["revision"]] = revision
        else:
            problems.append(
                {
                    "kind": "duplicate",
                    "message": f"revision id {revision['revision']} is declared twice: {first['path']} and {revision['path']}",
                    "path": revision["path"],
                    "revision": revision["revision"],
                }
            )
    labelled: dict[str, ScannedRevision] = {}
    for revision in by_id.values():
        for label in revision["branchLabels"]:
            first = labelled.get(label)
            if first is None:
                labelled[label] = revision
            else:
                problems.append(
                    {
                        "kind": "duplicate",
                        "message": f"branch label {label!r} is declared twice: {first['path']} and {revision['path']}",
                        "path": revision["path"],
                        "revision": revision["revision"],
                    }
                )
    return by_id, problems


def dangling_references(by_id: Mapping[str, ScannedRevision], versions: str) -> list[Problem]:
    """down_revision names that no revision declares, and depends_on names that neither a
    revision nor a branch label declares."""
    labels = {label for r in by_id.values() for label in r["branchLabels"]}
    problems: list[Problem] = []
    for revision in by_id.values():
        references = (
            ("down_revision", revision["downRevisions"], by_id.keys()),
            ("depends_on", revision["dependsOn"], by_id.keys() | labels),
        )
        for field, names, known in references:
            problems.extend(
                {
                    "kind": "dangling",
                    "message": f"{revision['path']}: {field} {name!r} names no revision in {versions}",
                    "path": revision["path"],
                    "revision": revision["revision"],
                }
                for name in names
                if name not in known
            )
    return problems


def alembic_graph(revisions: Iterable[ScannedRevision]) -> tuple[list[str], list[str], list[str]]:
    """Heads, bases and base → head order, from alembic's RevisionMap (nothing is executed)."""
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


def topological_order(by_id: Mapping[str, ScannedRevision]) -> tuple[list[str], list[str] | None]:
    """Base → head order, and the revisions of a cycle when there is one (for graphs
    alembic refuses to read)."""
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(revision: str, trail: list[str]) -> list[str] | None:
        if state.get(revision) == "done":
            return None
        if state.get(revision) == "visiting":
            return [*trail[trail.index(revision) :], revision]
        state[revision] = "visiting"
        for down in by_id[revision]["downRevisions"] + by_id[revision]["dependsOn"]:
            if down in by_id:
                cycle = visit(down, [*trail, revision])
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
