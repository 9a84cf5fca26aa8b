"""The resource limits the runner sets on itself before any pull-request code runs."""

import resource
from collections.abc import MutableMapping

# Each limit comes from the environment driftbot gives the runner; unset means unlimited.
LIMITS = (
    # A migration that allocates without end fails with MemoryError, naming the revision.
    ("DRIFTBOT_RUNNER_MEMORY_LIMIT", resource.RLIMIT_AS),
    # No file written may grow past this (a disk-filling migration fails with EFBIG).
    ("DRIFTBOT_RUNNER_FILE_SIZE_LIMIT", resource.RLIMIT_FSIZE),
    # CPU seconds of the whole runner process.
    ("DRIFTBOT_RUNNER_CPU_LIMIT", resource.RLIMIT_CPU),
    # Processes of the sandbox's user (only set inside the sandbox, where that user is
    # the sandbox's own: outside it would count every process of driftbot's user).
    ("DRIFTBOT_RUNNER_PROCESS_LIMIT", resource.RLIMIT_NPROC),
)


def set_limits(environ: MutableMapping[str, str]) -> None:
    """Cap what the runner may use, soft and hard alike (an unprivileged process cannot
    raise a hard limit again). The variables are removed so that the code under analysis
    never sees them."""
    for variable, limit in LIMITS:
        value = environ.pop(variable, None)
        if value:
            resource.setrlimit(limit, (int(value), int(value)))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
