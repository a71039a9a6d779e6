"""VideoPlayer: traits, validation and binary serialisation on the kernel side."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ipywidgets.widgets.widget import _remove_buffers
from synthetic import write_audio_only, write_video

import vibe_widgets
from vibe_widgets import VideoPlayer
from vibe_widgets.errors import InvalidParameterError, MediaError
from vibe_widgets.widgets import _assets


@pytest.fixture(scope="module")
def player() -> VideoPlayer:
    return VideoPlayer(vibe_widgets.sample_clip().video_path)


def test_player_counts_trs_like_the_transcript(player: VideoPlayer):
    clip = vibe_widgets.sample_clip()
    assert player.n_tr == clip.n_tr == 30
    assert player.duration == pytest.approx(clip.duration, abs=0.01)
    assert player.tr == 1.49
    assert player.cursor == 0
    assert player.filename == "sample.mp4"


def test_player_sends_the_frame_rate_so_seeks_land_inside_the_tr(player: VideoPlayer):
    # The sample clip is 1086 frames in 45.25 s; js/lib/cursor.js uses the rate to seek
    # to the first frame that starts inside a TR.
    assert player.frame_rate == pytest.approx(1086 / 45.25)


def test_video_travels_as_one_binary_buffer_not_json(player: VideoPlayer):
    state, buffer_paths, buffers = _remove_buffers(player.get_state())
    assert ["video"] in buffer_paths
    sent = buffers[buffer_paths.index(["video"])]
    assert bytes(sent)[4:8] == b"ftyp"  # an MP4 file
    assert len(sent) == player.proxy.size_bytes
    assert "video" not in state


def test_frontend_cursor_message_updates_python(player: VideoPlayer):
    player.cursor = 0
    # A message as the browser sends it; "buffers" must be present or ipywidgets ignores it.
    player._handle_msg(
        {
            "content": {"data": {"method": "update", "state": {"cursor": 12}, "buffer_paths": []}},
            "buffers": [],
        }
    )
    assert player.cursor == 12


@pytest.mark.parametrize("value", [-1, 30, 1000])
def test_cursor_outside_the_clip_is_refused(player: VideoPlayer, value: int):
    with pytest.raises(InvalidParameterError, match=r"outside the clip's TRs 0\.\.29"):
        player.cursor = value


def test_changing_tr_recounts_and_clamps_the_cursor(tmp_path: Path):
    p = VideoPlayer(write_video(tmp_path / "m.mp4", seconds=6), tr=1.0, cursor=5)
    assert p.n_tr == 6
    p.tr = 2.0
    assert (p.n_tr, p.cursor) == (3, 2)
    with pytest.raises(InvalidParameterError, match="tr must be positive"):
        p.tr = 0.0


def test_hrf_offset_must_be_finite_and_inside_the_clip(player: VideoPlayer):
    player.hrf_offset = 5.0
    assert player.hrf_offset == 5.0
    for bad in (float("nan"), 1e6):
        with pytest.raises(InvalidParameterError, match="hrf_offset"):
            player.hrf_offset = bad
    player.hrf_offset = 0.0


def test_repr_is_informative_and_has_no_address(player: VideoPlayer):
    text = repr(player)
    assert "sample.mp4" in text
    assert "n_tr=30" in text
    assert not re.search(r"0x[0-9a-f]{6,}", text)


@pytest.mark.parametrize(
    ("make", "error", "fragment"),
    [
        (lambda d: d / "nope.mp4", MediaError, "not found"),
        (lambda d: write_audio_only(d / "a.m4a"), MediaError, "no video stream"),
        (lambda d: write_video(d / "short.mp4", seconds=1), MediaError, "shorter than one TR"),
    ],
    ids=["missing", "no-video", "too-short"],
)
def test_bad_files_fail_at_construction_naming_the_file(tmp_path: Path, make, error, fragment):
    path = make(tmp_path)
    with pytest.raises(error, match=fragment) as info:
        VideoPlayer(path)
    assert path.name in str(info.value)


def test_bad_tr_fails_before_any_decoding():
    with pytest.raises(InvalidParameterError, match="tr must be positive"):
        VideoPlayer("/does/not/matter.mp4", tr=-1)


def test_missing_bundle_says_how_to_build_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(_assets, "STATIC_DIR", tmp_path)
    with pytest.raises(_assets.FrontendBundleMissingError, match="npm ci && npm run build"):
        VideoPlayer(vibe_widgets.sample_clip().video_path)
