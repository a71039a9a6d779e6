"""engine.media: probing movies and making browser proxies, on real files written by PyAV."""

from __future__ import annotations

import contextlib
from pathlib import Path

import av
import pytest
from synthetic import write_audio_only, write_video

from vibe_widgets.engine import media
from vibe_widgets.errors import InvalidParameterError, MediaError


@pytest.fixture(scope="module")
def movie(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_video(tmp_path_factory.mktemp("m") / "movie.mp4", seconds=3, size=(640, 480))


def test_probe_reads_duration_rate_size_and_streams(movie: Path):
    info = media.probe(movie)
    assert info.duration == pytest.approx(3.0, abs=1e-6)
    assert info.fps == pytest.approx(24.0)
    assert (info.width, info.height) == (640, 480)
    assert info.video_codec == "h264"
    assert info.audio_codec == "aac"
    assert info.has_audio
    assert info.rotation == 0


def test_probe_of_a_silent_movie_reports_no_audio(tmp_path: Path):
    info = media.probe(write_video(tmp_path / "silent.mp4", seconds=1, audio=False))
    assert not info.has_audio
    assert info.audio_codec is None


def test_probe_reads_rotation_metadata(tmp_path: Path):
    info = media.probe(write_video(tmp_path / "rot.mp4", seconds=1, rotation=90))
    assert info.rotation == 90


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda d: d / "missing.mp4", "not found"),
        (lambda d: d, "is a directory"),
        (lambda d: _write(d / "empty.mp4", b""), "empty (0 bytes)"),
        (lambda d: _write(d / "noise.mp4", bytes(range(256)) * 40), "cannot be read as a media"),
        (lambda d: write_audio_only(d / "voice.m4a"), "has no video stream (it has: audio)"),
    ],
    ids=["missing", "directory", "empty", "garbage", "audio-only"],
)
def test_probe_rejects_bad_files_naming_the_file(tmp_path: Path, make, fragment: str):
    path = make(tmp_path)
    with pytest.raises(MediaError) as info:
        media.probe(path)
    assert fragment in str(info.value)
    assert str(path) in str(info.value)


def test_probe_rejects_a_non_path(tmp_path: Path):
    with pytest.raises(InvalidParameterError, match=r"str or pathlib\.Path"):
        media.probe(42)


def test_probe_rejects_a_file_truncated_to_its_header(movie: Path, tmp_path: Path):
    cut = _write(tmp_path / "cut.mp4", movie.read_bytes()[:600])
    with pytest.raises(MediaError, match=r"cut\.mp4"):
        media.probe(cut)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_proxy_scales_large_movies_down_to_an_even_size(movie: Path, tmp_path: Path):
    proxy = media.make_browser_proxy(movie, tmp_path / "p.mp4", max_height=200)
    info = media.probe(proxy.path)
    assert (info.width, info.height) == (266, 200) == (proxy.width, proxy.height)
    assert info.video_codec == "h264"
    assert info.audio_codec == "aac"
    assert info.duration == pytest.approx(3.0, abs=0.05)
    assert proxy.size_bytes == proxy.path.stat().st_size > 0


def test_proxy_keeps_small_movies_at_their_size(tmp_path: Path):
    src = write_video(tmp_path / "small.mp4", seconds=1, size=(160, 96))
    proxy = media.make_browser_proxy(src, tmp_path / "p.mp4")
    assert (proxy.width, proxy.height) == (160, 96)


def test_proxy_keeps_variable_frame_timing(tmp_path: Path):
    times = [0.0, 0.1, 0.15, 0.5, 0.6, 1.0, 1.5, 2.0]
    src = write_video(tmp_path / "vfr.mkv", frame_times=times, container_format="matroska")
    proxy = media.make_browser_proxy(src, tmp_path / "p.mp4")
    with av.open(str(proxy.path)) as container:
        got = [round(frame.time, 3) for frame in container.decode(video=0)]
    assert got == times


def test_proxy_carries_rotation_and_transcodes_other_codecs(tmp_path: Path):
    src = write_video(tmp_path / "m4v.mkv", seconds=1, codec="mpeg4", rotation=270)
    assert media.probe(src).video_codec == "mpeg4"
    proxy = media.make_browser_proxy(src, tmp_path / "p.mp4")
    info = media.probe(proxy.path)
    assert (info.video_codec, info.rotation) == ("h264", 270)


def test_proxy_without_audio_has_no_audio_track(tmp_path: Path):
    src = write_video(tmp_path / "silent.mp4", seconds=1, audio=False)
    proxy = media.make_browser_proxy(src, tmp_path / "p.mp4")
    assert not media.probe(proxy.path).has_audio


@pytest.mark.parametrize(
    ("kwargs", "fragment"), [({"max_height": 8}, "max_height"), ({"crf": 60}, "crf")]
)
def test_proxy_rejects_bad_settings(movie: Path, tmp_path: Path, kwargs, fragment: str):
    with pytest.raises(InvalidParameterError, match=fragment):
        media.make_browser_proxy(movie, tmp_path / "p.mp4", **kwargs)
    assert not (tmp_path / "p.mp4").exists()


def test_cached_proxy_is_reused_and_keyed_by_content(movie: Path, tmp_path: Path):
    first = media.browser_proxy(movie, cache_dir=tmp_path)
    second = media.browser_proxy(movie, cache_dir=tmp_path)
    assert second.path == first.path
    assert second.transcode_seconds == 0.0  # served from the cache, not transcoded again
    other = media.browser_proxy(movie, cache_dir=tmp_path, max_height=120)
    assert other.path != first.path
    copy = tmp_path / "copy.mp4"
    copy.write_bytes(movie.read_bytes())
    assert media.browser_proxy(copy, cache_dir=tmp_path).path == first.path


def test_proxy_over_the_size_limit_says_how_to_shrink_it(movie: Path, tmp_path: Path):
    with pytest.raises(MediaError, match=r"over the limit of max_mb=0\.001 MB.*max_height"):
        media.browser_proxy(movie, cache_dir=tmp_path, max_mb=0.001)


def test_failed_transcode_leaves_no_partial_file(movie: Path, tmp_path: Path):
    damaged = tmp_path / "damaged.mp4"
    data = bytearray(movie.read_bytes())
    damaged.write_bytes(bytes(data[: len(data) // 2]))
    out = tmp_path / "out" / "p.mp4"
    with contextlib.suppress(MediaError):
        media.make_browser_proxy(damaged, out)
    leftovers = [p.name for p in out.parent.glob(".proxy-*")] if out.parent.exists() else []
    assert leftovers == []
