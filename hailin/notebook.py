"""The notebook API: a workspace whose layers are frames, read on access.

``hailin.open_workspace(path)`` gives a :class:`NotebookWorkspace`. Its layers
(``sites``, ``clearance_plots``, ``ledger`` …) are properties read from the
store every time they are asked for, so they are never stale after an import;
its statistics are :class:`hailin.surveys.stats.StatTable` frames with a total row.
Everything is done by :class:`hailin.surveys.workspace.Workspace` (``ws.workspace``),
which this wraps.
"""

import datetime
import os
from typing import Any

import folium
import geopandas
import pandas as pd

import hailin.accessor  # noqa: F401  (opening a workspace registers gdf.hailin)
from hailin.geo.area import area_with_ids as area  # noqa: F401  (hailin.area, keeping ids)
from hailin.maps import clearance_map, overview_map, restoration_map
from hailin.surveys import stats
from hailin.surveys.evidence import Evidence
from hailin.surveys.frames import Frames
from hailin.surveys.ingest import ImportSummary
from hailin.surveys.workspace import Workspace

# An as-of day: a date, "YYYY-MM-DD", or "YYYY-MM" (that month's last day).
AsOf = datetime.date | str | None


def open_workspace(path: str | os.PathLike) -> "NotebookWorkspace":
    """Open the hailin workspace in the folder ``path``.

    Parameters
    ----------
    path : str or path-like
        A folder holding hailin.toml (made by ``hailin init`` or ``hailin demo``).

    Returns
    -------
    NotebookWorkspace

    Examples
    --------
    >>> import tempfile
    >>> ws = open_workspace(Workspace.create(tempfile.mkdtemp()).root)
    >>> ws.sites["site_id"].tolist(), len(ws.clearance_plots), len(ws.ledger)
    (['kewan', 'xuncheng', 'luochun'], 0, 0)
    """
    return NotebookWorkspace(Workspace(path))


class NotebookWorkspace:
    """A workspace for notebooks: layers as frames read on access, the
    programme's statistics as tables, and its maps.

    Examples
    --------
    >>> import tempfile
    >>> ws = open_workspace(Workspace.create(tempfile.mkdtemp()).root)
    >>> int(ws.cases_by_kind().loc["total", "open"])
    0
    """

    def __init__(self, workspace: Workspace):
        self.workspace = workspace

    def __repr__(self) -> str:
        return f"open_workspace({self.workspace.root!r})"

    @property
    def root(self) -> str:
        """The workspace folder."""
        return self.workspace.root

    @property
    def language(self) -> str:
        """The workspace language ("zh" or "en") of maps and reports."""
        return self.workspace.settings.language

    # -- layers, read on access ----------------------------------------------------------
    @property
    def sites(self) -> geopandas.GeoDataFrame:
        """The reserves (site_id, name_zh, name_en, township), EPSG:4326."""
        return self.workspace.sites()

    @property
    def clearance_plots(self) -> geopandas.GeoDataFrame:
        """The clearance plots (plot_id, site, township, cleared_on, method, area_mu …)."""
        return self.workspace.plots("clearance")

    @property
    def restoration_plots(self) -> geopandas.GeoDataFrame:
        """The restoration plots (plot_id, planted_on, species, funding, area_mu …)."""
        return self.workspace.plots("restoration")

    @property
    def surveys(self) -> geopandas.GeoDataFrame:
        """Every accepted patrol record."""
        return self.workspace.surveys()

    @property
    def rejects(self) -> pd.DataFrame:
        """The rejected rows with their reasons."""
        return self.workspace.rejects()

    @property
    def uploads(self) -> pd.DataFrame:
        """One row per imported file: when, by whom, status and counts."""
        return self.workspace.uploads()

    @property
    def photos(self) -> pd.DataFrame:
        """The photo evidence: the record each is attached to, place, time, thumbnail."""
        return self.workspace.evidence.photos()

    @property
    def evidence(self) -> Evidence:
        """Import and withdraw photos (:class:`hailin.surveys.evidence.Evidence`)."""
        return self.workspace.evidence

    @property
    def ledger(self) -> pd.DataFrame:
        """The ledger (台账), built from the store now: one row per case, plot
        cases (kind ``recurrence``) and new-patch cases (``new_infestation``)."""
        return self.frames().ledger

    @property
    def cases(self) -> geopandas.GeoDataFrame:
        """The ledger with each case's plot or patch as its geometry."""
        return self.frames().cases()

    @property
    def patches(self) -> geopandas.GeoDataFrame:
        """The new-infestation patches (Spartina found near no clearance plot)."""
        return self.frames().patches

    def frames(self, every_record: bool = False, as_of: AsOf = None) -> Frames:
        """One consistent read of the store (see :meth:`surveys.Workspace.frames`);
        with ``as_of`` (a date, "YYYY-MM-DD" or "YYYY-MM") as it stood at the
        end of that day."""
        return self.workspace.frames(every_record=every_record, as_of=as_of)

    # -- commands ------------------------------------------------------------------------
    def import_file(self, path: str | os.PathLike, /, **options: Any) -> ImportSummary:
        """Import one patrol file, or a plots file with ``kind="clearance"`` or
        ``"restoration"`` (options: kind, patrol_type, team, crs, sheet,
        dry_run, strict; see :meth:`surveys.Workspace.import_file`)."""
        return self.workspace.import_file(path, **options)

    def flag(self) -> "stats.StatTable":
        """Recompute detections, the ledger and new patches, keep them in the
        store as layers, and return the cases by kind and status."""
        _detections, ledger, _patches = self.workspace.flag()
        return stats.cases_by_kind(ledger)

    def progress(self, as_of: AsOf = None) -> "stats.StatTable":
        """The headline figures: cleared and planted mu against the targets,
        survival, cases (open ones by kind), plots re-cleared, patrol effort;
        as they stood at the end of ``as_of`` when given ("what was open at
        the end of May": ``ws.progress(as_of="2024-05")``)."""
        return stats.key_figures(self.frames(every_record=True, as_of=as_of))

    def export(
        self,
        what: str,
        path: str | os.PathLike,
        /,
        *,
        crs: str = "4326",
        kind: str = "clearance",
        as_of: AsOf = None,
    ) -> dict:
        """Write plots (``what="plots"``, of ``kind``), cases or new patches
        ("cases", "patches") as GeoPackage, GeoJSON or Shapefile (GBK DBF,
        .cpg, .prj, a field mapping file) in ``crs``: "4326", "4490", "gk3"
        (the Gauss-Kruger zone of the data) or "gk3-noprefix"."""
        frames = self.frames(as_of=as_of)
        return self.workspace.exports.layer(what, path, crs=crs, kind=kind, frames=frames)

    def export_ledger(
        self, path: str | os.PathLike, /, lang: str | None = None, as_of: AsOf = None
    ) -> pd.DataFrame:
        """Write the ledger in the 台账 layout (XLSX with a title row, frozen
        header and print setup); returns the table written."""
        return self.workspace.exports.taizhang(path, lang, frames=self.frames(as_of=as_of))

    # -- statistics ----------------------------------------------------------------------
    def cases_by_kind(self, as_of: AsOf = None) -> "stats.StatTable":
        """Cases by kind and status, with totals (the one count of open cases)."""
        return stats.cases_by_kind(self.frames(as_of=as_of).ledger)

    def cleared_area(
        self, by: str = "month", when: Any = None, as_of: AsOf = None
    ) -> "stats.StatTable":
        """Area cleared by ``by`` ("month", "year", "site", "township",
        "method", "contractor") in the period ``when`` (2024, "2024Q2",
        "2024-05" or two dates), against the targets of hailin.toml."""
        targets = self.workspace.settings.targets.clearance
        plots = self.frames(as_of=as_of).clearance if as_of else self.clearance_plots
        return stats.area_table(plots, "clearance", targets, by, when)

    def planted_area(
        self, by: str = "year", when: Any = None, as_of: AsOf = None
    ) -> "stats.StatTable":
        """Area planted by ``by`` ("month", "year", "site", "township",
        "species", "funding") in the period ``when``, against the targets,
        with the area-weighted survival."""
        frames = self.frames(as_of=as_of)
        survival = frames.restoration_progress.extra["plot_survival"]
        targets = frames.settings.targets.restoration
        return stats.area_table(frames.restoration, "restoration", targets, by, when, survival)

    def recurrence(self, as_of: AsOf = None) -> "stats.StatTable":
        """Per year (integers: ``ws.recurrence().loc[2023]``): plots re-cleared
        (the programme's figure) beside cases opened."""
        return stats.recurrence_by_year(self.frames(as_of=as_of).ledger)

    def open_cases(
        self, by: str | None = None, when: Any = None, as_of: AsOf = None
    ) -> "stats.StatTable":
        """The open cases (both kinds) and their age; ``by`` "kind", "site",
        "township" or "age" groups them; with ``as_of``, those open at the end
        of that day, aged to it."""
        return stats.open_cases(self.frames(as_of=as_of).ledger, by, when)

    def effort(self, by: str = "mode", when: Any = None, as_of: AsOf = None) -> "stats.StatTable":
        """Patrols, patrol days, person-times, records and km walked by
        ``by`` ("mode", "team", "month", "year" or a list) in ``when``."""
        if as_of:
            records = self.frames(every_record=True, as_of=as_of).records
        else:
            records = self.workspace.surveys(["observed_at", "team", "patrol_type", "observer"])
        return stats.patrol_effort(records, by, when, self.workspace.settings.timezone)

    def survival(self, as_of: AsOf = None) -> "stats.StatTable":
        """Survival of each restoration plot at its latest check, with the
        area-weighted total."""
        frames = self.frames(as_of=as_of)
        survival = frames.restoration_progress.extra["plot_survival"]
        return stats.survival_by_plot(frames.restoration, survival)

    # -- where to look next (the risk extra) ---------------------------------------------
    def risk(self, as_of: Any = None, weeks: int = 4) -> pd.DataFrame:
        """The cleared plots ranked by recurrence risk as of ``as_of`` (a date or
        "YYYY-MM-DD"; default today) for the next ``weeks`` weeks, as `hailin risk`
        ranks them, with each plot's reasons in words (``reason``); ``.attrs``
        holds the ranking's method and fallback."""
        import datetime

        from hailin.surveys.risk import rank_as_of, reason_texts

        day = pd.Timestamp(as_of).date() if as_of is not None else datetime.date.today()
        model, ranked, _ = rank_as_of(self.frames(), day, weeks)
        sep = "；" if self.language == "zh" else "; "
        reasons = [sep.join(reason_texts(row, self.language)) for row in ranked.to_dict("records")]
        ranked = ranked.assign(reason=reasons)
        ranked.attrs.update(method=model.method, fallback=model.fallback)
        return ranked

    def evaluate_risk(self, cutoff: Any, weeks: int = 4) -> pd.DataFrame:
        """AUC and precision at the top 10 % and 20 % after ``cutoff`` of the
        model fitted before it and of both baselines (`hailin risk evaluate`),
        one row per method; ``.attrs`` holds the fallback and the rows scored."""
        from hailin.surveys.risk import day_number, evaluate_risk, read_history

        day = day_number(pd.Timestamp(cutoff).date())
        result = evaluate_risk(read_history(self.frames()), day, weeks)
        table = pd.DataFrame.from_dict(result["scores"], orient="index")
        table.attrs.update(fallback=result["model"].fallback, test=result["test"])
        return table

    # -- maps ----------------------------------------------------------------------------
    def clearance_map(self, lang: str | None = None, **options: Any) -> folium.Map:
        """The clearance map (plots by status, findings, new patches, patrols)."""
        return clearance_map(self.frames(every_record=True), lang or self.language, **options)

    def restoration_map(self, lang: str | None = None, **options: Any) -> folium.Map:
        """The restoration map (plots by survival)."""
        return restoration_map(self.frames(every_record=True), lang or self.language, **options)

    def overview_map(self, lang: str | None = None, **options: Any) -> folium.Map:
        """Both works on one map."""
        return overview_map(self.frames(every_record=True), lang or self.language, **options)
