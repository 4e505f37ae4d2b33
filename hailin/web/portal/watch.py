"""The store changed outside the portal: a `hailin import` or `hailin raster
detect` on the command line, a withdrawal, an edited hailin.toml. The worker
looks every few seconds; when the store is not as the last comparison left it,
the maps are drawn again and the cases opened meanwhile are announced like a
portal import's, one message for the change."""

import logging

from hailin.web.portal import alerts, intake

logger = logging.getLogger("hailin.web")
# Who an import made outside the portal is from, in the messages.
ELSEWHERE = "hailin CLI"


def _new_uploads(ws, known):
    uploads = ws.uploads()
    return uploads[~uploads["upload_id"].isin(known)]


def store_changed_elsewhere(ws):
    """Compare the store with the last comparison; announce what it opened.

    Returns the cases announced (a list of dicts, empty when none). A portal
    import under way holds the import lock and does its own comparison, so
    this one waits for the next look rather than claim its cases.
    """
    try:
        with intake.import_lock(wait_s=0):
            state = alerts.remembered()
            if state is None:  # the first look: what is there now is known
                alerts.known_cases(ws)
                return []
            signature, _uploads = alerts.store_state(ws)
            if state.get("signature") == signature:
                return []
            new = _new_uploads(ws, state.get("uploads", []))
            cases = alerts.opened_cases(ws, set(state.get("ids", [])))
            intake.want_maps()
            if cases:
                alerts.announce(
                    cases,
                    upload_id=str(new["upload_id"].iloc[-1]) if len(new) else "",
                    file=", ".join(dict.fromkeys(str(f) for f in new["file"])),
                    team=", ".join(dict.fromkeys(str(t) for t in new["team"].dropna() if t)),
                    uploaded_by=ELSEWHERE,
                )
            return cases
    except intake.Busy:
        return []
