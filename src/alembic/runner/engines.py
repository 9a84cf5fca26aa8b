"""Every engine the analysed code creates points at the throwaway database."""

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy
import sqlalchemy.engine
import sqlalchemy.engine.create
import sqlalchemy.ext.asyncio
import sqlalchemy.ext.asyncio.engine
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError


class Redirect:
    """What `engines_redirected_to` did: the real `create_engine` (for the runner's own),
    its stand-ins for the analysed code, and how many engines they made."""

    def __init__(self, real: Callable[..., Engine]) -> None:
        self.create_engine = real
        self.stand_ins: tuple[Callable[..., Any], ...] = ()
        self.engines_made = 0


@contextlib.contextmanager
def engines_redirected_to(url: str) -> Iterator[Redirect]:
    """Every engine a migration or a model file creates (from app settings, a hard-coded
    URL, `engine_from_config`…) points at the throwaway database: such code works, and
    none reaches another server."""
    real_sync, real_async = sqlalchemy.engine.create.create_engine, sqlalchemy.ext.asyncio.engine.create_async_engine
    redirect = Redirect(real_sync)

    def redirected(real: Callable[..., Any]) -> Callable[..., Any]:
        def create(*args: Any, **kwargs: Any) -> Any:
            redirect.engines_made += 1
            # connect_args belong to the driver the app meant (asyncpg's server_settings…), and
            # could override the statement timeout: the throwaway database gets none of them.
            kwargs = {k: v for k, v in kwargs.items() if k not in ("url", "connect_args")}
            try:
                return real(url, **kwargs)
            except (ArgumentError, TypeError) as error:
                print(
                    f"driftbot: engine options {sorted(kwargs)} do not fit psycopg ({error}); creating the engine without them",
                    file=sys.stderr,
                )
                return real(url)

        return create

    # The public names, and the module globals that engine_from_config / async_engine_from_config call.
    places: list[tuple[object, str, Callable[..., Any]]] = [
        (sqlalchemy, "create_engine", real_sync),
        (sqlalchemy.engine, "create_engine", real_sync),
        (sqlalchemy.engine.create, "create_engine", real_sync),
        (sqlalchemy.ext.asyncio, "create_async_engine", real_async),
        (sqlalchemy.ext.asyncio.engine, "create_async_engine", real_async),
    ]
    stand_ins = {real: redirected(real) for real in (real_sync, real_async)}
    redirect.stand_ins = tuple(stand_ins.values())
    for module, name, real in places:
        setattr(module, name, stand_ins[real])
    try:
        yield redirect
    finally:
        for module, name, real in places:
            setattr(module, name, real)
