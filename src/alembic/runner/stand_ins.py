"""The stand-in importer: with `stubMissingImports`, a module the analysed repository
imports but that is not installed (the app's settings package, a private SDK…) is
replaced by a stand-in whose every attribute is a class that accepts anything, so that
migrations and models load without the app's whole environment."""

import abc
import importlib
import importlib.abc
import importlib.machinery
import os
import sys
from collections.abc import Iterator, Sequence
from types import FrameType, ModuleType
from typing import Any, TypedDict

from sqlalchemy.orm.decl_api import DeclarativeMeta

from .paths import is_under, rel


class StandInRecord(TypedDict):
    module: str
    importedFrom: str | None


def is_decoration(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """`@stand_in` or `@stand_in(...)` applied to a function or class: called with it alone."""
    return len(args) == 1 and not kwargs and callable(args[0]) and not isinstance(args[0], StandIn)


class StandIn:
    """An instance of a stand-in (what calling one returns): attribute access, calls and
    subscripts yield more stand-ins, and a decorator hands back what it decorates."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Mixed in before a real base (`class User(StandInMixin, Base)`), the real constructor still runs.
        following = type(self).__mro__[type(self).__mro__.index(StandIn) + 1 :]
        if any("__init__" in klass.__dict__ for klass in following if klass is not object):
            super().__init__(*args, **kwargs)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Class keywords meant for the real base (`class S(BaseSettings, env_prefix="APP_")`).
        super().__init_subclass__()

    def __getattr__(self, name: str) -> "StandIn":
        if name.startswith("_"):
            raise AttributeError(name)
        return StandIn()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return args[0] if is_decoration(args, kwargs) else StandIn()

    def __getitem__(self, key: object) -> "StandIn":
        return StandIn()

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        return ""


class StandInMeta(DeclarativeMeta, abc.ABCMeta):
    """The type of every stand-in class. It derives from SQLAlchemy's and abc's metaclasses
    so that a stand-in mixed into a declarative model (`class User(SQLAlchemyBaseUserTable,
    Base)`) or an ABC does not fail with a metaclass conflict."""

    def __init__(cls, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any) -> None:
        if any(isinstance(base, DeclarativeMeta) and not isinstance(base, StandInMeta) for base in cls.__mro__[1:]):
            # A `declarative_base()` model with a stand-in among its bases: map it, as its own metaclass would.
            DeclarativeMeta.__init__(cls, name, bases, namespace)
        else:
            type.__init__(cls, name, bases, namespace)

    def __getattr__(cls, name: str) -> type:
        # Private names stay missing: SQLAlchemy and abc probe `_sa_*` / `_abc_*` and expect AttributeError.
        if name.startswith("_"):
            raise AttributeError(name)
        return stand_in_class(name)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        # A stand-in used as a decorator hands the decorated function or class back unchanged;
        # the app's own subclasses of stand-ins are constructed as usual.
        if "__driftbot_stand_in__" in cls.__dict__ and is_decoration(args, kwargs):
            return args[0]
        return super().__call__(*args, **kwargs)

    def __getitem__(cls, key: object) -> type:
        return cls

    def __iter__(cls) -> Iterator[Any]:
        return iter(())


def stand_in_class(name: str) -> type:
    return StandInMeta(name, (StandIn,), {"__module__": "driftbot.stand_in", "__driftbot_stand_in__": True})


class StandInModule(ModuleType):
    __all__: list[str]

    def __getattr__(self, name: str) -> type:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        value = stand_in_class(name)
        setattr(self, name, value)
        return value


class StandInLoader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = StandInModule(spec.name)
        module.__path__ = []  # a package, so that submodules can be stood in too
        module.__all__ = []
        return module

    def exec_module(self, module: ModuleType) -> None:
        pass


# Folders that are never the project's own code.
SKIPPED_FOLDERS = frozenset({"node_modules", "site-packages", "__pycache__", "venv", ".venv", "build", "dist"})


def repository_modules(root: str) -> dict[str, str]:
    """Top-level names of the modules and packages in the tree (a `name.py`, or a folder
    holding Python files): name → its repository-relative path, the shallowest first."""
    found: dict[str, str] = {}
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d not in SKIPPED_FOLDERS and not d.startswith("."))
        if folder != root and any(f.endswith(".py") for f in files):
            name = os.path.basename(folder)
            if name.isidentifier():
                found.setdefault(name, rel(folder, root))
        for file in sorted(files):
            if file.endswith(".py") and file[:-3].isidentifier():
                found.setdefault(file[:-3], rel(os.path.join(folder, file), root))
    return found


class StandInFinder(importlib.abc.MetaPathFinder):
    """Last on sys.meta_path: answers only when no real module exists, and only for
    imports made by the analysed repository's own files (never SQLAlchemy's or
    Alembic's optional imports). `root` is None while stand-ins are off."""

    def __init__(self) -> None:
        self.root: str | None = None
        self.records: list[StandInRecord] = []
        # Top-level modules and packages the repository itself has: never stood in.
        self.own: dict[str, str] = {}
        self.walked: dict[str, dict[str, str]] = {}
        # Frames of importlib and of the runner itself are never "the importing file".
        self.skipped = (
            os.path.dirname(os.path.abspath(importlib.__file__)) + os.sep,
            os.path.dirname(os.path.abspath(__file__)) + os.sep,
        )

    def reset(self, root: str | None) -> None:
        self.root = root
        self.records = []
        # Walked once per tree: a checkout never changes under the runner (11 ms a request).
        if root is not None and root not in self.walked:
            self.walked[root] = repository_modules(root)
        self.own = self.walked[root] if root is not None else {}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if self.root is None:
            return None
        parent = fullname.rpartition(".")[0]
        if not (parent and isinstance(sys.modules.get(parent), StandInModule)):
            importer = self.importing_file(fullname)
            if importer is None or not is_under(importer, [self.root]):
                return None
            own = self.own.get(fullname.partition(".")[0])
            if own is not None:
                # The repository's own code is never replaced: that would hide the real error.
                raise ModuleNotFoundError(
                    f"No module named '{fullname}': the repository has it at {own}, which is not importable as "
                    f"'{fullname.partition('.')[0]}': add the folder above it to python.paths",
                    name=fullname,
                )
            self.records.append({"module": fullname, "importedFrom": rel(importer, self.root)})
        return importlib.machinery.ModuleSpec(fullname, StandInLoader(), is_package=True)

    def importing_file(self, fullname: str) -> str | None:
        """The file whose `import` statement is being resolved (past importlib's frames:
        frozen ones, and `importlib.import_module`, and the runner's own), or None when a
        module with no Python frame of its own is the importer: importlib loading another
        module (not `fullname`, a parent or a child of it) on the way means a compiled module's
        initialisation asked for `fullname` (pydantic 1's probe for `backports_abc`), and
        the nearest Python frame above it only imported that compiled module."""
        frame: FrameType | None = sys._getframe(2)
        while frame is not None:
            filename = frame.f_code.co_filename
            if frame.f_code.co_name == "_find_and_load" and filename.startswith("<frozen importlib"):
                loading = frame.f_locals.get("name")
                # Its parents load first, and a child makes it load: the same import either way.
                related = (
                    loading == fullname or fullname.startswith(f"{loading}.") or loading.startswith(f"{fullname}.")
                    if isinstance(loading, str)
                    else True
                )
                if not related:
                    return None
            elif not filename.startswith("<") and not os.path.abspath(filename).startswith(self.skipped):
                return filename
            frame = frame.f_back
        return None

    def stand_ins(self) -> list[StandInRecord]:
        """Each stood-in module once, with the first file that imported it."""
        seen: set[str] = set()
        result: list[StandInRecord] = []
        for record in self.records:
            if record["module"] not in seen:
                seen.add(record["module"])
                result.append(record)
        return result
