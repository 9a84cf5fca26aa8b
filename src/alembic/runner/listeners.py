"""SQLAlchemy event listeners that a tree's code registered on SQLAlchemy's own classes
(`event.listen(Mapper, "instrument_class", …)`, as Netflix Dispatch's full-text search
does) outlive that tree's modules: forgotten with them, so that base's listeners never
act on head's models."""

from typing import Any

from .paths import is_under


def defined_under(listener: Any, roots: list[str], depth: int = 3) -> bool:
    """Whether a listener was written in one of these folders: the function itself (or a
    bound method's), or what SQLAlchemy's wrapper of it closes over (`MapperEvents` wraps
    a listener that is not `raw`)."""
    function = getattr(listener, "__func__", listener)
    filename = getattr(getattr(function, "__code__", None), "co_filename", None)
    if isinstance(filename, str) and is_under(filename, roots):
        return True
    if depth == 0:
        return False
    inner = [getattr(function, "__wrapped__", None)]
    for cell in getattr(function, "__closure__", None) or ():
        try:
            inner.append(cell.cell_contents)
        except ValueError:  # an empty cell
            continue
    return any(callable(value) and defined_under(value, roots, depth - 1) for value in inner)


def forget_listeners(roots: list[str]) -> None:
    """Remove every listener defined under `roots` from SQLAlchemy's listener collections
    and its registry of them. Its internals, read defensively: a SQLAlchemy without them
    keeps its listeners, as before."""
    try:
        from sqlalchemy.event import registry
    except ImportError:
        return
    by_collection = getattr(registry, "_collection_to_key", None)
    by_key = getattr(registry, "_key_to_collection", None)
    if not isinstance(by_collection, dict) or not isinstance(by_key, dict):
        return
    for owner_ref, listeners in list(by_collection.items()):
        owner = owner_ref()
        if owner is None:
            continue
        for listen_ref, key in list(listeners.items()):
            listener = listen_ref()
            if listener is None or not defined_under(listener, roots):
                continue
            # Class-level listeners are kept per class, instance-level ones in one deque.
            clslevel = getattr(owner, "_clslevel", None)
            deques = list(clslevel.values()) if clslevel is not None else []
            deques.append(getattr(owner, "listeners", None))
            for queue in deques:
                while queue is not None and listener in queue:
                    queue.remove(listener)
            propagate = getattr(owner, "propagate", None)
            if isinstance(propagate, set):
                propagate.discard(listener)
            listeners.pop(listen_ref, None)
            owners = by_key.get(key)
            if owners is not None:
                owners.pop(owner_ref, None)
                if not owners:
                    by_key.pop(key, None)
