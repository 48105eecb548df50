"""Work for the machine's second core: `beside(compute, batches)` runs `compute` on each batch in
a forked copy of this process, a batch ahead of the caller, who meanwhile writes the batch before
(a big ledger import: sealing and hashing, the word index's tokens).

We write our own instead of multiprocessing.Pool because a Pool feeds its workers from threads
of this process, which would contend for the GIL with a writer that releases it at every row.
The child only computes: it shares this process's memory as it was at the fork (settings, keys,
what `compute` holds) and never uses a database connection; it ends with os._exit, which closes
nothing of the parent's. The parent sends a batch only while the child waits for one, so neither
blocks writing to the other. Where fork is not available, the batches are computed here.
"""

import gc
import multiprocessing
import traceback
from collections.abc import Callable, Generator, Iterable
from typing import Any, Final, TypeVar

FORK: Final = "fork"
Batch = TypeVar("Batch")


class BesideError(RuntimeError):
    """`compute` failed in the child; its traceback is the message."""


def beside(
    compute: Callable[[Any], Any],
    batches: Iterable[Batch],
    sent: Callable[[Batch], Any] = lambda batch: batch,
) -> Generator[tuple[Batch, Any], None, None]:
    """(batch, compute(sent(batch))) for each batch, in order; `sent` picks what the child needs
    of a batch (only that crosses the pipe). Use it in `contextlib.closing`, so that a caller
    that stops early (an error in its writing) stops the child at once."""
    if FORK not in multiprocessing.get_all_start_methods():
        for batch in batches:
            yield batch, compute(sent(batch))
        return
    context = multiprocessing.get_context(FORK)
    parent, child = context.Pipe()
    process = context.Process(target=_serve, args=(compute, child, parent), daemon=True)
    process.start()
    child.close()
    items = iter(batches)
    try:
        pending = next(items, None)
        if pending is not None:
            parent.send(sent(pending))
        while pending is not None:
            done, pending = pending, next(items, None)  # made while the child computes
            kind, result = parent.recv()
            if kind == "error":
                raise BesideError(result)
            if pending is not None:  # the child waits for it now: nothing blocks
                parent.send(sent(pending))
            yield done, result
        parent.send(None)
        process.join()
    finally:
        if process.is_alive():  # the caller stopped early (an error in its writing)
            process.kill()
            process.join()
        parent.close()


def _serve(compute: Callable[[Any], Any], conn: Any, parents_end: Any) -> None:
    """The forked child: computes each batch it is sent until it is sent None, or the parent is
    gone (its end of the pipe closed here too, so a killed parent reads as the end: the child
    never outlives it holding copies of its sockets). No garbage collection: a collection could
    finalise an inherited database connection the parent still uses."""
    gc.disable()
    parents_end.close()
    try:
        while (batch := conn.recv()) is not None:
            conn.send(("done", compute(batch)))
    except EOFError:  # the parent ended without a word (killed): nothing to tell
        return
    except Exception:  # told to the parent, which raises it
        conn.send(("error", traceback.format_exc()))
