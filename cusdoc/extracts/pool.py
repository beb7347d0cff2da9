"""The processes that convert extracts: started fresh (Typst deadlocks in forked workers), each
warmed up as it starts (converters imported, the names of France read for the leak scan).

A pool can start before anything is known but that extracts will be made (no extract in the
cache): its processes warm up while this one checks the project, on a core it leaves idle.
Otherwise it starts when the first job is submitted, and only if two jobs or more are to run.
"""

import atexit
import gc
import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor


def warm_up() -> None:
    """What every job of a worker needs, made before its first job arrives."""
    import pypdfium2  # noqa: F401
    import typst  # noqa: F401

    import cusdoc.export.docx  # noqa: F401
    from cusdoc.extracts import terms

    terms.warm_up()
    # What the warm-up made lives as long as the process (the lexicon of every name of France):
    # the cycle collector no longer walks it each time it looks through a job's objects. It is
    # given back on leaving, so that the process ends with every object freed (DuckDB's binding
    # reports any left as leaked).
    gc.freeze()
    atexit.register(gc.unfreeze)


class Workers:
    """At most `count` processes (the cores by default), started when `start` is called."""

    def __init__(self, count: int | None = None):
        self.count = count or os.cpu_count() or 1
        self.pool: ProcessPoolExecutor | None = None

    def start(self, count: int | None = None) -> None:
        """Start `count` processes (all of them by default) now, without waiting for a job."""
        count = self.count if count is None else min(self.count, count)
        if self.pool is not None or count <= 1:
            return
        context = multiprocessing.get_context("spawn")
        self.pool = ProcessPoolExecutor(count, mp_context=context, initializer=warm_up)
        for _ in range(count):  # each submission finding no idle process starts one
            self.pool.submit(int)

    def map(self, function: Callable, jobs: Iterable, count: int) -> list:
        """function(job) for each of `count` jobs, in their order, as they are prepared: the
        first ones run while the next ones are prepared. One job runs here, without a pool
        (unless one started already)."""
        self.start(count)
        if self.pool is None:
            return [function(job) for job in jobs]
        futures = [self.pool.submit(function, job) for job in jobs]
        return [future.result() for future in futures]

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, error, *details) -> None:
        if self.pool is None:
            return
        if error is not None:  # a problem to show: no waiting for the workers' warm-up
            for process in list(self.pool._processes.values()):  # Python 3.14: terminate_workers
                process.terminate()
        self.pool.shutdown(cancel_futures=True)
