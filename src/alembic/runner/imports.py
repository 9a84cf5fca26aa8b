"""What the runner keeps between requests about Python imports: the stand-in finder it
installed, and the folders of the tree it loaded last, forgotten when the next request
comes (base's and head's modules must never mix)."""

import gc
import importlib
import os
import sys
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import Any

from .listeners import forget_listeners
from .paths import is_under
from .stand_ins import StandInFinder, StandInModule, StandInRecord


def loaded_from(module: ModuleType, roots: Iterable[str]) -> bool:
    """Whether a module comes from one of these folders: by its file, or by its
    `__path__` for namespace packages, which have no file."""
    namespace = getattr(module, "__dict__", {})
    locations = [namespace.get("__file__"), *package_path(namespace.get("__path__"))]
    return any(isinstance(location, str) and is_under(location, roots) for location in locations)


def package_path(path: Any) -> list[Any]:
    """A package's folders. A namespace package's `_NamespacePath` recomputes itself from
    its parent package when read, and the purge may already have removed that parent
    (Agenta's `...migrations.core.versions` inside the regular `...migrations.core`):
    read what it last computed instead."""
    if path is None:
        return []
    computed = getattr(path, "_path", None)
    if isinstance(computed, list):
        return computed
    try:
        return list(path)
    except (KeyError, TypeError):
        return []


# pydantic 1 (and pydantic 2's `pydantic.v1`) records every validator it has seen by
# "module.Class.method" and refuses a second one of the same name, so a settings module
# imported again for the next tree fails with `duplicate validator function` (Mealie
# before 2024-02).
PYDANTIC_V1_VALIDATORS = ("pydantic.class_validators", "pydantic.v1.class_validators")


def forget_validators(modules: Iterable[str]) -> None:
    """Drop the purged modules' validators from pydantic 1's registry of names."""
    prefixes = tuple(f"{name}." for name in modules)
    if not prefixes:
        return
    for registry_module in PYDANTIC_V1_VALIDATORS:
        seen = getattr(sys.modules.get(registry_module), "_FUNCS", None)
        if isinstance(seen, set):
            seen.difference_update([ref for ref in seen if isinstance(ref, str) and ref.startswith(prefixes)])


class Imports:
    def __init__(self) -> None:
        self.finder = StandInFinder()
        self.roots: list[str] = []
        # Revision modules executed, by file and its identity on disk (st_size, st_mtime_ns,
        # st_ino), with the stand-ins their imports needed (upgrade.revisions_loaded_once);
        # never one that made an engine or kept the redirecting create_engine as it loaded.
        # A checkout never changes under the runner, and each tree has its own paths.
        self.revisions: dict[tuple[str, int, int, int], tuple[ModuleType, list[StandInRecord]]] = {}

    def install(self) -> None:
        """Last on sys.meta_path: the finder answers only when no real module exists."""
        sys.meta_path.append(self.finder)

    def prepare(self, request: Mapping[str, Any]) -> None:
        """Make the request's tree importable, and forget the previous request's tree."""
        python_paths = [os.path.abspath(p) for p in request.get("pythonPaths", [])]
        purged = []
        for name, module in list(sys.modules.items()):
            if isinstance(module, StandInModule) or (self.roots and loaded_from(module, self.roots)):
                del sys.modules[name]
                purged.append(name)
        forget_validators(purged)
        if self.roots:
            forget_listeners(self.roots)
        for path in self.roots:
            while path in sys.path:
                sys.path.remove(path)
        self.roots = [os.path.abspath(request["root"]), *python_paths]
        # The previous tree's mapped classes and registries go now, not at some later
        # collection, so that SQLAlchemy's global mapper configuration never sees them.
        # Nothing purged, nothing to collect (a full collection costs 20 ms a request).
        if purged:
            gc.collect()
        for path in reversed(python_paths):
            sys.path.insert(0, path)
        importlib.invalidate_caches()
        self.finder.reset(os.path.abspath(request["root"]) if request.get("stubMissingImports") else None)

    def repository_modules(self) -> list[ModuleType]:
        """Modules loaded from the repository's files (stand-ins and namespace packages have none)."""
        found = []
        for module in list(sys.modules.values()):
            origin = getattr(module, "__dict__", {}).get("__file__")
            if isinstance(origin, str) and origin.endswith(".py") and is_under(origin, self.roots):
                found.append(module)
        return found
