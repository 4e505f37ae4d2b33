"""The portal's background worker (``hailin serve`` starts one): delivers the
alert outbox with retries and backoff, draws the maps again after imports, and
looks for changes made to the store outside the portal (hailin.web.portal.watch).

Run as ``python -m hailin.web.worker`` with ``HAILIN_WORKSPACE`` set.
"""

import logging
import os
import signal
import threading
import time

logger = logging.getLogger("hailin.web")
TICK_S = 0.5
WATCH_S = 5.0
_drawing = threading.Event()


class _Stopped(BaseException):
    """SIGTERM or SIGINT arrived while the maps were drawn."""


def _unless_stopped(work):
    """Run ``work()``; False when a stop signal cut it short (True when done).
    Only the drawing is cut short: each map file is replaced whole, so the last
    ones stay, and ``hailin serve`` stops at once rather than after a drawing."""
    try:
        _drawing.set()
        try:
            work()
        finally:
            _drawing.clear()
    except _Stopped:
        return False
    return True


def maps_due(now_wanted, built, interval_s, last_built_at):
    """Whether to draw the maps: wanted since the last drawing (or never drawn),
    and at least ``interval_s`` after the last drawing.

    Examples
    --------
    >>> maps_due("2024-01-02", {"from": "2024-01-01"}, 5, 0.0)
    True
    >>> maps_due("2024-01-01", {"from": "2024-01-01"}, 5, 0.0)
    False
    >>> maps_due(None, None, 5, 0.0)
    True
    """
    if built is None:
        return True
    if now_wanted is None or now_wanted <= built.get("from", ""):
        return False
    return time.monotonic() - last_built_at >= interval_s


def draw_maps():
    """Draw every map once; remember when and from which request."""
    from django.conf import settings
    from django.utils import timezone

    from hailin.web.portal.data import workspace
    from hailin.web.portal.intake import MAPS_WANTED, shown
    from hailin.web.portal.mapfiles import write_maps
    from hailin.web.portal.models import PortalState
    from hailin.web.portal.roles import patrol_team_sets

    wanted = PortalState.objects.filter(key=MAPS_WANTED).first()
    wanted_at = wanted.value.get("at") if wanted else ""
    started = time.monotonic()
    try:
        drawn = _unless_stopped(
            lambda: write_maps(
                workspace(),
                settings.WEB_DIR / "maps",
                langs=settings.MAP_LANGS,
                team_sets=patrol_team_sets(),
            )
        )
    except Exception as error:
        logger.exception("worker: the maps could not be drawn")
        # Shown on the maps page: without the server's paths (the log keeps them).
        value = {"from": wanted_at or "", "error": shown(f"{type(error).__name__}: {error}")[:300]}
    else:
        if not drawn:  # stopping: drawn again at the next start
            logger.info("worker: stopped while drawing the maps")
            return
        value = {"from": wanted_at or "", "seconds": round(time.monotonic() - started, 2)}
    value["at"] = timezone.now().isoformat()
    PortalState.objects.update_or_create(key="maps_built", defaults={"value": value})


def run(stop):
    from django.conf import settings

    from hailin.web.portal.alerts import deliver_due
    from hailin.web.portal.data import workspace
    from hailin.web.portal.intake import MAPS_WANTED
    from hailin.web.portal.models import PortalState
    from hailin.web.portal.watch import store_changed_elsewhere

    last_built = 0.0
    last_watched = 0.0
    parent = os.getppid()
    while not stop.is_set():
        if os.getppid() != parent:  # `hailin serve` is gone: so is its worker
            break
        try:
            if time.monotonic() - last_watched >= WATCH_S:
                store_changed_elsewhere(workspace())
                last_watched = time.monotonic()
            deliver_due()
            states = {
                s.key: s.value
                for s in PortalState.objects.filter(key__in=[MAPS_WANTED, "maps_built"])
            }
            wanted = states.get(MAPS_WANTED, {}).get("at")
            due = maps_due(wanted, states.get("maps_built"), settings.MAP_INTERVAL_S, last_built)
            if due and settings.MAP_LANGS:
                draw_maps()
                last_built = time.monotonic()
        except Exception:  # the worker keeps going; the next tick tries again
            logger.exception("worker: tick failed")
            stop.wait(5)
        stop.wait(TICK_S)


def background(run, niceness, name):
    """Run ``run(stop)`` as one of the portal's background processes: Django set
    up, at lower priority than the web workers answering people, stopped by
    SIGTERM or SIGINT."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hailin.web.settings")
    import django

    django.setup()
    os.nice(niceness)
    stop = threading.Event()

    def stopping(*_args):
        stop.set()
        if _drawing.is_set():
            raise _Stopped

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stopping)
    logger.info("%s started (pid %d)", name, os.getpid())
    run(stop)


def main():
    # Maps and deliveries yield the processor to the web workers and the importer.
    background(run, 10, "worker")


if __name__ == "__main__":
    main()
