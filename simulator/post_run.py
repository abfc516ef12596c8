"""The post-run stage: model work on a finished run that the writers show, started once the run
is simulated (and its cluster bands computed: `outputs.write_outputs` starts it) and done beside
the writers, which wait for it only where they show it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from simulator.appraisal import decision_clusters, price_plans, price_rows
from simulator.run import Run

__all__ = ["PostRun", "post_run"]


class PostRun:
    """Model work on a finished run that the writers show: the price response
    (`appraisal.price_response`, a take-up re-run per decision cluster at its P50 break-even
    price). What it reads of the run's draws is read here, in the calling thread; the re-runs
    need only the inputs and go on one thread of their own, chunk after chunk, so the writers
    work meanwhile on the other core and wait only where they show them."""

    def __init__(self, run: Run) -> None:
        plans = price_plans(run, decision_clusters(run))
        pool = ThreadPoolExecutor(1, thread_name_prefix="post-run")
        self._response = pool.submit(price_rows, run.inputs, plans, 1)
        pool.shutdown(wait=False)  # the thread ends with its one task

    def price_response(self) -> list[dict[str, Any]]:
        """The rows of `appraisal.price_response` (waits for the re-runs)."""
        return self._response.result()


def post_run(run: Run) -> PostRun:
    """Start the post-run stage of `run` (`PostRun`); call it once the run is simulated and
    before the writers (or let `outputs.write_outputs` start it), and hand the result to them."""
    return PostRun(run)
