"""The runner's entry script: `python -u <this file>`.

It loads this folder as the package `driftbot_runner` rather than putting the folder on
sys.path: the runner's module names (models, scan, upgrade…) must never shadow the
analysed repository's, which are imported by their own names.
"""

import importlib
import importlib.util
import os
import sys
from types import ModuleType

PACKAGE = "driftbot_runner"


def load_package(folder: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(PACKAGE, os.path.join(folder, "__init__.py"), submodule_search_locations=[folder])
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the runner package from {folder}")
    package = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = package
    spec.loader.exec_module(package)
    return package


def run() -> None:
    # No __pycache__ written anywhere, the analysed trees included: a stale .pyc must
    # never stand for a changed file.
    sys.dont_write_bytecode = True
    folder = os.path.dirname(os.path.abspath(__file__))
    # Running a file puts its folder first on sys.path.
    if sys.path and os.path.abspath(sys.path[0] or os.curdir) == folder:
        del sys.path[0]
    load_package(folder)
    importlib.import_module(f"{PACKAGE}.protocol").main()


if __name__ == "__main__":
    run()
