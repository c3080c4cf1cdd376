"""One executor for independent tasks: in this process, on local processes, or on Dask.

Monte Carlo years and network states, criticality chunks, sourcing draws and
scenario batch cases are all *independent tasks*: a function of shared inputs
(the weighted network, the demand, the prepared generators) and one item. An
``Executor`` runs ``function(shared, item)`` for every item and returns the
results **in item order**, so a result never depends on where or in which
order the tasks ran:

- ``Executor()`` (``--jobs 1``): in this process, one item after another;
- ``Executor(jobs=N)``: N local processes; the shared inputs reach each
  process once (inherited when the process forks, not pickled per task);
- ``Executor(scheduler="tcp://HOST:PORT")`` (``--scheduler``, or the
  ``CORREDOR_SCHEDULER`` environment variable): a Dask distributed cluster. The
  shared inputs are scattered to every worker once, items are sent in chunks,
  progress comes from the futures as they finish, and the tasks of a worker
  that is lost are run again elsewhere (Dask reschedules them; an exception is
  retried ``retries`` times). Tasks are pure, so a re-run gives the same bytes.

Start a cluster by hand (``dask scheduler`` on one machine, ``dask worker
tcp://HOST:8786 --nworkers 2 --nthreads 1`` on each other) or from a job
queue (``dask_jobqueue.SLURMCluster``); workers need corredor installed at the
same version as the client.
"""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any, TypeVar

from corredor.errors import CorredorError

__all__ = ["SCHEDULER_ENV", "Executor", "chunked", "executor_for"]

#: Environment variable naming a Dask scheduler (``tcp://HOST:PORT``) when ``--scheduler``
#: is not given.
SCHEDULER_ENV = "CORREDOR_SCHEDULER"
#: Chunks per worker when no chunk size is given: enough for balance and a smooth progress
#: bar, few enough that the per-task overhead (milliseconds on Dask) stays noise.
CHUNKS_PER_WORKER = 4
#: Times Dask retries a task that raised (a lost worker's tasks are rescheduled anyway).
RETRIES = 2

Item = TypeVar("Item")
Result = TypeVar("Result")
Progress = Callable[[int, int], None]


def chunked(items: Sequence[Item], size: int) -> list[list[Item]]:
    """``items`` cut into consecutive lists of at most ``size`` (the last may be shorter).

    Parameters
    ----------
    items : sequence
        Anything indexable.
    size : int
        Items per chunk (>= 1).

    Returns
    -------
    list of list
    """
    size = max(int(size), 1)
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


class Executor:
    """Runs ``function(shared, item)`` for many items; results come back in item order.

    Parameters
    ----------
    jobs : int, default 1
        Local processes (1: in this process). Ignored with a scheduler.
    scheduler : str, optional
        A Dask scheduler address (``tcp://HOST:PORT``); the default is read from
        ``$CORREDOR_SCHEDULER`` only by ``executor_for``.
    client : distributed.Client, optional
        An already connected Dask client (e.g. of a ``LocalCluster``); not closed here.
    retries : int, default 2
        Dask retries of a task that raised.

    Raises
    ------
    CorredorError
        ``jobs`` < 1, or the scheduler cannot be reached or dask.distributed is missing.
    """

    def __init__(self, *, jobs: int = 1, scheduler: str | None = None, client: Any = None,
                 retries: int = RETRIES) -> None:
        if jobs < 1:
            raise CorredorError(f"jobs must be >= 1, got {jobs}")
        self.jobs = jobs
        self.scheduler = scheduler
        self.retries = retries
        self._client = client
        self._owns_client = False
        if client is None and scheduler:
            self._client = _connect(scheduler)
            self._owns_client = True

    @property
    def distributed(self) -> bool:
        """Whether tasks go to a Dask cluster."""
        return self._client is not None

    @property
    def workers(self) -> int:
        """How many tasks can run at once (Dask: the cluster's threads)."""
        if self._client is None:
            return self.jobs
        info = self._client.scheduler_info(n_workers=-1)
        return max(sum(w.get("nthreads", 1) for w in info["workers"].values()), 1)

    def describe(self) -> str:
        """``in this process``, ``2 local processes`` or ``Dask cluster tcp://... (4 threads)``."""
        if self._client is not None:
            return f"Dask cluster {self._client.scheduler.address} ({self.workers} threads)"
        return "in this process" if self.jobs == 1 else f"{self.jobs} local processes"

    def map(self, function: Callable[[Any, Item], Result], items: Sequence[Item], *,
            shared: Any = None, chunk_size: int | None = None, progress: Progress | None = None,
            name: str = "corredor") -> list[Result]:
        """``[function(shared, item) for item in items]``, spread over the workers.

        Parameters
        ----------
        function : callable
            A module-level function ``function(shared, item)`` (picklable); pure: the
            same inputs must give the same result wherever it runs.
        items : sequence
            The task inputs.
        shared : object, optional
            What every task reads (sent to each worker once).
        chunk_size : int, optional
            Items per task (default: about ``CHUNKS_PER_WORKER`` tasks per worker).
        progress : callable, optional
            Called as ``progress(done, total)`` in this process as items finish.
        name : str
            Prefix of the Dask task keys (shown on the dashboard).

        Returns
        -------
        list
            One result per item, in item order.
        """
        items = list(items)
        if not items:
            return []
        if self._client is None and self.jobs == 1:
            return _serial(function, shared, items, progress)
        if chunk_size is None:
            chunk_size = math.ceil(len(items) / (self.workers * CHUNKS_PER_WORKER))
        chunks = chunked(items, chunk_size)
        if self._client is not None:
            parts = self._dask(function, shared, chunks, progress, name)
        else:
            parts = _processes(function, shared, chunks, self.jobs, progress)
        return [result for part in parts for result in part]

    def _dask(self, function: Callable, shared: Any, chunks: list[list], progress: Progress | None,
              name: str) -> list[list]:
        from distributed import as_completed as dask_completed

        client, token = self._client, uuid.uuid4().hex[:12]
        scattered = client.scatter(shared, broadcast=True, hash=False)
        keys = [f"{name}-{token}-{i}" for i in range(len(chunks))]
        futures = client.map(_run_chunk, [function] * len(chunks), [scattered] * len(chunks),
                             chunks, key=keys, retries=self.retries, pure=False)
        position = {future.key: i for i, future in enumerate(futures)}
        parts: list[list] = [[] for _ in chunks]
        total, done = sum(len(c) for c in chunks), 0
        try:
            for future in dask_completed(futures):
                i = position[future.key]
                parts[i] = future.result()
                done += len(chunks[i])
                if progress is not None:
                    progress(done, total)
        finally:
            client.cancel([*futures, scattered])
        return parts

    def close(self) -> None:
        """Close the Dask client this executor connected (not one it was given)."""
        if self._owns_client and self._client is not None:
            self._client.close()
        self._client = None if self._owns_client else self._client

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def executor_for(jobs: int = 1, scheduler: str | None = None) -> Iterator[Executor]:
    """The executor of a command's ``--jobs`` / ``--scheduler`` (or ``$CORREDOR_SCHEDULER``).

    Parameters
    ----------
    jobs : int, default 1
        Local processes.
    scheduler : str, optional
        Dask scheduler address; default ``$CORREDOR_SCHEDULER`` when set.

    Yields
    ------
    Executor
        Closed (its Dask client disconnected) when the block ends.
    """
    executor = Executor(jobs=jobs, scheduler=scheduler or os.environ.get(SCHEDULER_ENV) or None)
    try:
        yield executor
    finally:
        executor.close()


# -- runners ----------------------------------------------------------------------


def _run_chunk(function: Callable, shared: Any, chunk: list) -> list:
    """One task: the function over a chunk of items."""
    return [function(shared, item) for item in chunk]


def _serial(function: Callable, shared: Any, items: list, progress: Progress | None) -> list:
    results = []
    for done, item in enumerate(items, start=1):
        results.append(function(shared, item))
        if progress is not None:
            progress(done, len(items))
    return results


_SHARED: dict[str, Any] = {}


def _install(shared: Any) -> None:
    """Process-pool initializer: keep the shared inputs for every task of this process."""
    _SHARED["value"] = shared


def _run_local(function: Callable, chunk: list) -> list:
    return _run_chunk(function, _SHARED["value"], chunk)


def _processes(function: Callable, shared: Any, chunks: list[list], jobs: int,
               progress: Progress | None) -> list[list]:
    parts: list[list] = [[] for _ in chunks]
    total, done = sum(len(c) for c in chunks), 0
    with ProcessPoolExecutor(max_workers=min(jobs, len(chunks)), initializer=_install,
                             initargs=(shared,)) as pool:
        futures = {pool.submit(_run_local, function, chunk): i for i, chunk in enumerate(chunks)}
        for future in as_completed(futures):
            i = futures[future]
            parts[i] = future.result()
            done += len(chunks[i])
            if progress is not None:
                progress(done, total)
    return parts


def _connect(address: str) -> Any:
    """A Dask client of the scheduler at ``address``; a ``CorredorError`` saying why not."""
    try:
        from distributed import Client
    except ImportError:
        raise CorredorError(
            f"--scheduler {address}: dask.distributed is not installed (pip install "
            "'corredor[cluster]', or pip install distributed)") from None
    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise CorredorError(f"--scheduler {address}: cannot reach the Dask scheduler ({exc}); "
                            "is `dask scheduler` running there?") from None
