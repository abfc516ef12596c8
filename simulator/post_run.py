"""The post-run stage: model work on a finished run that the writers show, started once the run
is simulated (and its cluster bands computed: `outputs.write_outputs` starts it) and done beside
the writers, which wait for it only where they show it."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from simulator.appraisal import decision_clusters, price_plans, repriced, rows_at
from simulator.model import ClusterReruns, repriced_reruns
from simulator.run import Run

__all__ = ["PostRun", "post_run"]


class PostRun:
    """Model work on a finished run that the writers show: the price response
    (`appraisal.price_response`, a take-up re-run per decision cluster at its P50 break-even
    price). What it reads of the run's draws is read here, in the calling thread; the re-runs
    need only the inputs and go on a thread of their own, which sets them up (their parameter
    draws) and computes them chunk after chunk, so the writers work meanwhile on the other
    core; the writer that shows them, when it asks, computes the chunks that thread has not
    taken yet (`model.ClusterReruns`), then waits for the rest."""

    def __init__(self, run: Run) -> None:
        self._plans = price_plans(run, decision_clusters(run))
        self._reruns: Future[ClusterReruns] = Future()
        self._rows: list[dict[str, Any]] | None = None
        priced = repriced(run.inputs, self._plans)
        if not priced:
            self._reruns.set_result(repriced_reruns(run.inputs, priced))
            return
        pool = ThreadPoolExecutor(1, thread_name_prefix="post-run")
        pool.submit(_set_up_then_work, self._reruns, run, priced)
        pool.shutdown(wait=False)  # the thread ends when no chunk is left to take

    def price_response(self) -> list[dict[str, Any]]:
        """The rows of `appraisal.price_response` (once the re-runs are set up, their chunks
        not yet taken computed in the calling thread, then the rest waited for)."""
        if self._rows is None:
            self._rows = rows_at(self._plans, self._reruns.result().result())
        return self._rows


def _set_up_then_work(made: Future[ClusterReruns], run: Run,
                      priced: list[tuple[int, float]]) -> None:
    """`model.repriced_reruns` of `run` (its inputs and approval delays) at `priced` into
    `made` (or what it raised), then its chunks computed until none is left to take."""
    try:
        reruns = repriced_reruns(run.inputs, priced, run.approval_delay)
    except BaseException as e:  # raised again where the rows are asked for
        made.set_exception(e)
        return
    made.set_result(reruns)
    reruns.work()


def post_run(run: Run) -> PostRun:
    """Start the post-run stage of `run` (`PostRun`); call it once the run is simulated and
    before the writers (or let `outputs.write_outputs` start it), and hand the result to them."""
    return PostRun(run)
