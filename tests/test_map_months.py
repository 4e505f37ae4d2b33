"""The maps' months: each month's state (:func:`hailin.maps.figures.snapshots`,
cut from lean frames) holds exactly what ``data.at(day)`` gives, the frames
``hailin progress --as-of`` uses, for every month of the map."""

import pandas as pd
import pytest

from hailin.maps.figures import month_ends, periods_of, snapshots
from hailin.surveys.workspace import Workspace
from tests.stats_workspace import build


@pytest.fixture(scope="module", params=["demo", "story"])
def whole(request, portal_template, tmp_path_factory):
    if request.param == "demo":
        return Workspace(portal_template).map_data()
    return build(tmp_path_factory.mktemp("story")).map_data()


def test_every_month_holds_what_as_of_gives(whole):
    periods = periods_of(whole)
    ends = month_ends(periods)
    states = snapshots(whole, ends)
    assert len(states) == len(periods) > 3
    statuses = set()
    for end, state in zip(ends, states, strict=True):
        then = whole.at(pd.Timestamp(end, unit="D").date())
        pd.testing.assert_frame_equal(state.ledger, then.ledger)
        assert len(state.clearance) == len(then.clearance)
        assert len(state.cover) == len(then.cover)
        assert state.restoration_progress.totals == then.restoration_progress.totals
        statuses |= set(then.ledger["status"])
        # Lean: no month carries the records' or the findings' text.
        assert "notes" not in state.records and "notes" not in state.findings
    assert len(statuses) >= 2  # cases that changed state over the months
