"""The portal's importer (``hailin serve`` starts one, and again if it dies):
takes the queued upload jobs (hailin.web.portal.jobs) one at a time, so the web
workers' threads only receive files and answer pages. On start it reconciles
what a killed importer left (jobs.reconcile).

Run as ``python -m hailin.web.importer`` with ``HAILIN_WORKSPACE`` set.
"""

import logging
import os
import signal
import threading

logger = logging.getLogger("hailin.web")
IDLE_S = 0.2


def run(stop):
    from hailin.web.portal import jobs
    from hailin.web.portal.data import workspace

    recovered = jobs.reconcile(workspace())
    logger.info("importer started (pid %d); %d file(s) recovered", os.getpid(), recovered)
    parent = os.getppid()
    while not stop.is_set() and os.getppid() == parent:
        try:
            job = jobs.claim()
            if job is None:
                stop.wait(IDLE_S)
                continue
            jobs.run(workspace(), job)
        except Exception:  # the next tick tries again; the job stays running until then
            logger.exception("importer: a job failed")
            stop.wait(5)
            jobs.reconcile(workspace())


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hailin.web.settings")
    import django

    django.setup()
    # Imports yield the processor to the web workers answering people.
    os.nice(5)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    run(stop)


if __name__ == "__main__":
    main()
