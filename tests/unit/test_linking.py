"""link/unlink set the shared browser-side link id of views."""

from __future__ import annotations

import pytest

import vibe_widgets as vw
from vibe_widgets.errors import InvalidParameterError
from vibe_widgets.widgets.linking import link, unlink


@pytest.fixture(scope="module")
def players() -> tuple[vw.VideoPlayer, vw.VideoPlayer]:
    path = vw.sample_clip().video_path
    return vw.VideoPlayer(path), vw.VideoPlayer(path)


def test_link_gives_one_new_id_and_unlink_clears_it(players):
    a, b = players
    first = link(a, b)
    assert first.startswith("vibe-")
    assert a.link_id == b.link_id == first
    assert link(a, b) != first  # a fresh id each time
    unlink(a)
    assert (a.link_id, b.link_id != "") == ("", True)


def test_link_with_a_given_id(players):
    a = players[0]
    assert link(a, link_id="shared") == "shared"
    assert a.link_id == "shared"


@pytest.mark.parametrize(("views", "kwargs"), [((), {}), ((object(),), {})])
def test_link_refuses_non_views(views, kwargs):
    with pytest.raises(InvalidParameterError, match="link_id"):
        link(*views, **kwargs)


def test_link_refuses_an_empty_id(players):
    with pytest.raises(InvalidParameterError, match="non-empty str"):
        link(players[0], link_id="")
