"""The portal's importer (``hailin serve`` starts one, and again if it dies):
takes the queued upload jobs (hailin.web.portal.jobs) one at a time, so the web
workers' threads only receive files and answer pages. On start it reconciles
what a killed importer left (jobs.reconcile); at start and after each job it
forgets jobs finished longer ago than ``HAILIN_JOB_KEEP_DAYS`` (jobs.forget_finished).

Run as ``python -m hailin.web.importer`` with ``HAILIN_WORKSPACE`` set.
"""

import logging
import os

from hailin.web.worker import background

logger = logging.getLogger("hailin.web")
IDLE_S = 0.2


def run(stop):
    from hailin.web.portal import jobs
    from hailin.web.portal.data import workspace

    recovered = jobs.reconcile(workspace())
    logger.info("importer: %d file(s) recovered", recovered)
    jobs.forget_finished()
    parent = os.getppid()
    while not stop.is_set() and os.getppid() == parent:
        try:
            job = jobs.claim()
            if job is None:
                stop.wait(IDLE_S)
                continue
            jobs.run(workspace(), job)
            jobs.forget_finished()
        except Exception:  # the next tick tries again; the job stays running until then
            logger.exception("importer: a job failed")
            stop.wait(5)
            jobs.reconcile(workspace())


def main():
    # Imports yield the processor to the web workers answering people.
    background(run, 5, "importer")


if __name__ == "__main__":
    main()
