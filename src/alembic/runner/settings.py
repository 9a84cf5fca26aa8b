"""What the project's code expects around it, per side (base and head): the settings it
reads from the environment at import (`python.env`, `python.env_file`), and the paths its
container lays the code out at (`python.mounts`, e.g. `/app`).

One runner serves both sides, so both are switched per request: variables set for the
previous request are removed first, and each mount point is a symlink, made once by the
sandbox, that points into a folder of symlinks in the runner's scratch folder, which is
repointed here at the tree of the request."""

import os
import secrets
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any, TypedDict


class Mount(TypedDict):
    link: str
    target: str


class Settings:
    def __init__(self, environ: MutableMapping[str, str]) -> None:
        self.environ = environ
        self.applied: set[str] = set()

    def apply(self, request: Mapping[str, Any]) -> None:
        for name in self.applied:
            self.environ.pop(name, None)
        env: Mapping[str, str] = request.get("env") or {}
        self.environ.update(env)
        self.applied = set(env)
        mounts: Sequence[Mount] = request.get("mounts") or []
        for mount in mounts:
            repoint(mount["link"], mount["target"])


def repoint(link: str, target: str) -> None:
    """Points `link` at `target`, atomically (a new link renamed over the old one). The
    new link's name is this call's own: an analysis' runners share the links folder, and
    each sandbox has its own process ids (every runner is the same pid in its own)."""
    staging = f"{link}.next-{secrets.token_hex(8)}"
    os.symlink(target, staging)
    os.replace(staging, link)
