"""Explorer on the kernel side: encode on construction, live re-encode after an edit."""

from __future__ import annotations

import numpy as np
import pytest

import vibe_widgets as vw
from vibe_widgets.engine.features.cache import FeatureCache
from vibe_widgets.errors import InvalidParameterError
from vibe_widgets.widgets.explorer import Explorer


@pytest.fixture(scope="module")
def explorer(tmp_path_factory: pytest.TempPathFactory) -> Explorer:
    clip = vw.sample_clip()
    model = vw.get_encoding_model(
        vw.MODEL_ID, subject=1, model_variant="demo", device="cpu",
        feature_cache=FeatureCache(tmp_path_factory.mktemp("features")),
    )  # fmt: skip
    return Explorer(model, clip.video_path, clip.transcripts, show_progress=False)


def test_views_share_one_link_and_show_the_demo_banner(explorer: Explorer):
    views = (explorer.player, explorer.editor, explorer.brain, explorer.timecourse)
    assert len({v.link_id for v in views}) == 1
    assert explorer.link_id
    assert explorer.banner.value == "Model: demo: fitted to simulated responses"
    assert explorer.responses.shape == (30, 1000)
    assert explorer.timecourse.n_tr == explorer.brain.n_tr == explorer.editor.n_tr == 30


def test_an_edit_reencodes_keeps_the_original_and_reuses_cached_media(explorer: Explorer):
    before = explorer.responses.copy()
    lines = explorer.transcripts
    lines[8] = "A storm breaks over the forest"
    explorer.editor.transcripts = lines
    assert not np.allclose(explorer.responses[8], before[8])
    np.testing.assert_array_equal(explorer.original_responses, before)
    assert explorer.timecourse.compare is not None
    assert "re-encoded" in explorer.status.value
    _, meta = explorer.model.encode(
        lines, video_path=explorer.video_path, return_metadata=True, show_progress=False
    )
    assert meta["features"]["cached"] == {"audio": True, "text": True, "video": True}


def test_selecting_a_parcel_shows_its_timecourse(explorer: Explorer):
    explorer.brain.selected_parcel = 17
    assert explorer.timecourse.parcels == [17]
    explorer.brain.selected_parcel = -1
    assert explorer.timecourse.parcels == []


def test_a_model_with_a_selection_is_refused():
    model = vw.get_encoding_model(
        vw.MODEL_ID, subject=1, model_variant="demo", device="cpu", selection={"roi": ["Vis"]}
    )
    clip = vw.sample_clip()
    with pytest.raises(InvalidParameterError, match="without a selection"):
        Explorer(model, clip.video_path, clip.transcripts, show_progress=False)


def test_edits_in_a_burst_reencode_once_after_the_debounce(explorer: Explorer):
    import asyncio

    calls: list[list[str]] = []
    real_encode = explorer.model.encode

    def counting_encode(transcripts, **kwargs):
        calls.append(list(transcripts))
        return real_encode(transcripts, **kwargs)

    async def burst() -> str:
        explorer.debounce = 0.2
        lines = explorer.transcripts
        for i, text in enumerate(["first edit", "second edit", "third edit"]):
            lines[3 + i] = text
            explorer.editor.transcripts = list(lines)
            await asyncio.sleep(0.02)
        during = explorer.status.value
        await asyncio.sleep(0.5)
        return during

    explorer.model.encode = counting_encode
    try:
        during = asyncio.run(burst())
    finally:
        del explorer.model.encode
        explorer.debounce = 0.3
    assert during == "edit received; re-encoding shortly"
    assert len(calls) == 1
    assert calls[0][3:6] == ["first edit", "second edit", "third edit"]
    assert "re-encoded" in explorer.status.value


def test_a_failed_reencode_keeps_the_previous_prediction_and_says_why(explorer: Explorer):
    from vibe_widgets.errors import StimulusError

    before = explorer.responses.copy()
    brain_before = explorer.brain.responses.copy()

    def failing_encode(transcripts, **kwargs):
        raise StimulusError("video could not be read (test)")

    explorer.model.encode = failing_encode
    try:
        lines = explorer.transcripts
        lines[20] = "this edit will not be encoded"
        explorer.editor.transcripts = lines
    finally:
        del explorer.model.encode
    np.testing.assert_array_equal(explorer.responses, before)
    np.testing.assert_array_equal(explorer.brain.responses, brain_before)
    assert explorer.transcripts[20] == "this edit will not be encoded"
    assert explorer.status.value.startswith("re-encode failed, showing the previous prediction")
    assert "video could not be read" in explorer.status.value


@pytest.mark.parametrize("debounce", [-1, float("nan"), "0.3", True, 1000])
def test_a_bad_debounce_is_refused(debounce):
    clip = vw.sample_clip()
    model = vw.get_encoding_model(vw.MODEL_ID, subject=1, model_variant="demo", device="cpu")
    with pytest.raises(InvalidParameterError, match="debounce must be a number of seconds"):
        Explorer(model, clip.video_path, clip.transcripts, show_progress=False, debounce=debounce)


def test_the_explorer_cursor_moves_every_view_from_python(explorer: Explorer):
    explorer.cursor = 14
    views = (explorer.player, explorer.editor, explorer.brain, explorer.timecourse)
    assert [v.cursor for v in views] == [14, 14, 14, 14]
    assert explorer.cursor == 14
    for bad in (-1, 30, 2.0, True):
        with pytest.raises(InvalidParameterError, match=r"cursor must be a TR index in 0\.\.29"):
            explorer.cursor = bad
    assert explorer.cursor == 14
