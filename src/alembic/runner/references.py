"""Foreign keys to tables that no imported model declares.

Models spread over packages name other packages' tables by string
(`ForeignKey("projects.id")`); env.py, or the configured globs, may not import the
module that declares `projects`, and `create_all` then stops with
`NoReferencedTableError`. When exactly one file of the repository declares that table,
it is imported (as the application would have done); otherwise the foreign key is left
out of the models build, and the report says so.
"""

import os
import re
from collections.abc import Iterable

from sqlalchemy import ForeignKeyConstraint, MetaData

# Folders that hold no model of the project's own (virtualenvs, tests, build output).
SKIPPED = frozenset({".git", ".venv", "venv", "node_modules", "site-packages", "__pycache__", "build", "dist", "tests", "test"})
MAX_FILES = 20_000


def declaring_files(root: str, table: str, skip: Iterable[str]) -> list[str]:
    """The Python files under `root` that declare table `table` (a `__tablename__`
    assignment or a `Table("table", …)` call), outside `skip` (the chains' folders),
    Alembic script folders, tests and virtualenvs."""
    name = re.escape(table.split(".")[-1])
    pattern = re.compile(rf"""(__tablename__\s*(:[^=\n]+)?=\s*['"]{name}['"])|(\bTable\(\s*['"]{name}['"])""")
    skipped = [os.path.abspath(s) for s in skip]
    found: list[str] = []
    seen = 0
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(
            s
            for s in subfolders
            if s not in SKIPPED and os.path.join(folder, s) not in skipped and not is_alembic_folder(os.path.join(folder, s))
        )
        for file in sorted(files):
            if not file.endswith(".py"):
                continue
            seen += 1
            if seen > MAX_FILES:
                return found
            path = os.path.join(folder, file)
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    if pattern.search(handle.read()):
                        found.append(path)
            except OSError:
                continue
    return found


def is_alembic_folder(folder: str) -> bool:
    """An Alembic script folder (env.py beside versions/): its model snapshots
    (`deprecated_models.py`) are history, not the application's models."""
    return os.path.isfile(os.path.join(folder, "env.py")) and os.path.isdir(os.path.join(folder, "versions"))


def drop_foreign_keys_to(metadatas: Iterable[MetaData], table: str) -> list[str]:
    """Removes every foreign key that points at `table` from the metadata; returns them
    as `table.column → target` for the report."""
    dropped: list[str] = []
    for metadata in metadatas:
        for owner in metadata.tables.values():
            for constraint in [c for c in owner.constraints if isinstance(c, ForeignKeyConstraint)]:
                targets = [element.target_fullname for element in constraint.elements]
                if not any(target.rsplit(".", 1)[0] == table for target in targets):
                    continue
                for element in constraint.elements:
                    element.parent.foreign_keys.discard(element)
                    owner.foreign_keys.discard(element)
                owner.constraints.discard(constraint)
                columns = ", ".join(element.parent.name for element in constraint.elements)
                dropped.append(f"{owner.name}.{columns} → {', '.join(targets)}")
    return dropped
