"""The maps the portal serves: drawn by hailin's map functions after imports,
Leaflet's files copied beside them from the installed XStatic-Leaflet package
(checked against their pins), so the browser loads nothing from a CDN.

:func:`write_maps` is the one function that writes them: ``folder/NAME.LANG.html``
with the assets in ``folder/assets/``, which :func:`asset_path` resolves for the
view that serves them under ``/maps/NAME/assets/``.
"""

import dataclasses
import hashlib
import os
import tempfile

from hailin.maps import MAPS, save_map
from hailin.maps.basemaps import tianditu_key

MAP_NAMES = tuple(MAPS)
LANGS = ("zh", "en")
ASSETS_FOLDER = "assets"


# What a patrol team's maps leave out of other teams' records.
PRIVATE_COLUMNS = ("notes", "observer")


def map_file(folder, name, lang, variant=""):
    return os.path.join(folder, f"{name}.{lang}{'.' + variant if variant else ''}.html")


def team_variant(teams):
    """The file-name part of the maps drawn for an account of ``teams``.

    Examples
    --------
    >>> team_variant(["前岐镇"]) == team_variant(("前岐镇",)), team_variant([])[:5]
    (True, 'team-')
    """
    digest = hashlib.sha256("\n".join(sorted(set(teams))).encode("utf-8")).hexdigest()
    return f"team-{digest[:16]}"


def redacted(frames, teams):
    """``frames`` with the notes and observers of records of teams not in
    ``teams`` left out (what a patrol account of ``teams`` sees on a map)."""

    def blank(frame):
        if frame is None or "team" not in frame:
            return frame
        other = ~frame["team"].isin(list(teams))
        frame = frame.copy()
        for column in PRIVATE_COLUMNS:
            if column in frame:
                frame[column] = frame[column].astype(object).where(~other, None)
        return frame

    return dataclasses.replace(
        frames,
        findings=blank(frames.findings),
        inspections=blank(frames.inspections),
        records=blank(frames.records),
    )


def write_maps(ws, folder, *, langs=LANGS, team_sets=()):
    """Write the clearance, restoration and overview maps of ``ws`` in each of
    ``langs`` to ``folder`` (NAME.LANG.html), and for each of ``team_sets`` the
    maps a patrol account of those teams sees (NAME.LANG.team-….html, other
    teams' notes and observers left out), each file replaced whole, with the
    map assets in ``folder/assets``. Returns the paths written."""
    os.makedirs(folder, exist_ok=True)
    everything = ws.map_data()
    key = tianditu_key(ws.settings)
    written = []
    variants = [("", everything)]
    variants += [(team_variant(t), redacted(everything, t)) for t in team_sets]
    for variant, frames in variants:
        for lang in langs:
            for name, draw in MAPS.items():
                target = map_file(folder, name, lang, variant)
                _write(draw(frames, lang=lang, tianditu_key=key), folder, target)
                written.append(target)
    return written


def _write(fmap, folder, target):
    handle, staged = tempfile.mkstemp(dir=folder, prefix=".map.", suffix=".html")
    os.close(handle)
    try:
        save_map(fmap, staged, assets=os.path.join(folder, ASSETS_FOLDER))
        os.chmod(staged, 0o644)
        os.replace(staged, target)
    except BaseException:
        if os.path.exists(staged):
            os.remove(staged)
        raise


def asset_path(folder, relative):
    """The file of ``folder/assets`` that ``relative`` names, or None when it
    would leave that folder or does not exist (or holds a NUL)."""
    if "\0" in relative:
        return None
    root = os.path.realpath(os.path.join(folder, ASSETS_FOLDER))
    target = os.path.realpath(os.path.join(root, relative))
    if not target.startswith(root + os.sep) or not os.path.isfile(target):
        return None
    return target
