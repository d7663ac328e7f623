"""Progress lines on stderr with timings."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Log = Callable[[str], None]


def stderr_log(message: str) -> None:
    """Print one progress line to stderr.

    Args:
        message: the line.
    """
    print(f"[fraudops-ml] {message}", file=sys.stderr, flush=True)


def quiet(message: str) -> None:
    """A logger that drops everything.

    Args:
        message: ignored.
    """
    del message


@contextmanager
def timed(log: Log, what: str) -> Iterator[dict[str, float]]:
    """Log ``what`` with its duration when the block ends.

    Args:
        log: where to write.
        what: description of the step.

    Yields:
        A dict whose ``"seconds"`` entry holds the duration after the block.
    """
    result = {"seconds": 0.0}
    start = time.perf_counter()
    log(f"{what} ...")
    yield result
    result["seconds"] = time.perf_counter() - start
    log(f"{what}: done in {result['seconds']:.1f}s")
