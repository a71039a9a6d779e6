"""Media matrix: every kind of bad or unusual movie against every media entry point.

Files are real: written by PyAV (tests/synthetic.py and a 4:4:4 writer for odd sizes) or
byte-level cuts and overwrites of the shipped sample clip. Each cell says what must
happen: a valid result (checked) or a MediaError whose message names the file and the
problem. Nothing else may come out: no raw av.FFmpegError, no crash.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest
from synthetic import write_audio_only, write_video

import vibe_widgets as vw
from vibe_widgets.engine import media

SAMPLE = Path(vw.sample_clip().video_path).read_bytes()


def _cut(fraction: float) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / f"cut-{int(fraction * 100)}.mp4"
        path.write_bytes(SAMPLE[: int(len(SAMPLE) * fraction)])
        return path

    return make


def _header_only(folder: Path) -> Path:
    # Everything up to the first bytes of the media data: the index, no frames.
    path = folder / "header-only.mp4"
    path.write_bytes(SAMPLE[: SAMPLE.find(b"mdat") + 16])
    return path


def _overwrite_middle(name: str, noise: bool) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        middle, size = len(SAMPLE) // 2, 8192
        if noise:
            junk = np.random.default_rng(0).integers(0, 256, size, dtype=np.uint8).tobytes()
        else:
            junk = bytes(size)
        path = folder / f"{name}.mp4"
        path.write_bytes(SAMPLE[:middle] + junk + SAMPLE[middle + size :])
        return path

    return make


def _odd_size(folder: Path) -> Path:
    # 4:4:4 chroma allows odd sizes; the browser proxy must still come out even.
    path = folder / "odd.mp4"
    width, height = 161, 97
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv444p"
        for i in range(48):
            frame = av.VideoFrame.from_ndarray(
                np.full((height, width, 3), i * 5, np.uint8), format="rgb24"
            )
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def _bytes(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        (folder / name).write_bytes(data)
        return folder / name

    return make


VFR_TIMES = [0.0, 0.1, 0.15, 0.5, 0.6, 1.0, 1.5, 2.0, 3.1]

FILES: dict[str, Callable[[Path], Path]] = {
    "missing": lambda d: d / "missing.mp4",
    "directory": lambda d: (d / "a-folder.mp4").mkdir() or d / "a-folder.mp4",
    "zero-bytes": _bytes("empty.mp4", b""),
    "not-media": _bytes("notes.mp4", b"just some text, not a movie\n" * 100),
    "header-only": _header_only,
    "cut-1pct": _cut(0.01),
    "cut-50pct": _cut(0.5),
    "cut-90pct": _cut(0.9),
    "cut-99pct": _cut(0.99),
    "noise-mid-stream": _overwrite_middle("noise", noise=True),
    "zeros-mid-stream": _overwrite_middle("zeros", noise=False),
    "audio-only": lambda d: write_audio_only(d / "voice.m4a"),
    "no-audio-stream": lambda d: write_video(d / "silent.mp4", seconds=2, audio=False),
    "huge-resolution": lambda d: write_video(d / "4k.mp4", seconds=0.25, size=(3840, 2160)),
    "odd-dimensions": _odd_size,
    "variable-frame-rate": lambda d: write_video(
        d / "vfr.mkv", frame_times=VFR_TIMES, container_format="matroska"
    ),
    "under-one-tr": lambda d: write_video(d / "short.mp4", seconds=1.0),
}

OK = "ok"
UNREADABLE = r"cannot be read as a media file.*truncated or not a video"
NO_VIDEO = r"has no video stream"
DECODE_FAILED = (
    r"(cannot be decoded|failed after \d+ frames|failed \().*(corrupt|truncated|Re-encode)"
)
AUDIO_SHORT = r"(audio of '.*' cannot be decoded past|ends after .* but the file says)"
TRUNCATED_FRAMES = r"(decodes to \d+ frames, but frame \d+ is needed|failed after \d+ frames)"

# file -> {operation: OK or the MediaError pattern}; "proxy" is left out where it would
# only repeat a decode failure at a cost of seconds.
EXPECT: dict[str, dict[str, str]] = {
    "missing": dict.fromkeys(("probe", "count", "audio", "frames", "proxy"), r"not found"),
    "directory": dict.fromkeys(("probe", "count", "audio", "frames", "proxy"), r"is a directory"),
    "zero-bytes": dict.fromkeys(("probe", "count", "audio", "frames", "proxy"), r"0 bytes"),
    "not-media": dict.fromkeys(("probe", "count", "audio", "frames", "proxy"), UNREADABLE),
    # The index survives, so the frame count is known; nothing decodes.
    "header-only": {
        "probe": r"cannot be decoded",
        "count": OK,
        "audio": AUDIO_SHORT,
        "frames": DECODE_FAILED,
        "proxy": r"cannot be decoded",
    },
    "cut-1pct": dict.fromkeys(("probe", "count", "audio", "frames", "proxy"), UNREADABLE),
    "cut-50pct": {"probe": OK, "count": OK, "audio": AUDIO_SHORT, "frames": TRUNCATED_FRAMES},
    "cut-90pct": {"probe": OK, "count": OK, "audio": AUDIO_SHORT, "frames": TRUNCATED_FRAMES},
    "cut-99pct": {"probe": OK, "count": OK, "audio": AUDIO_SHORT, "frames": TRUNCATED_FRAMES},
    "noise-mid-stream": {"probe": OK, "audio": AUDIO_SHORT, "frames": DECODE_FAILED},
    "zeros-mid-stream": {
        "probe": OK,
        "audio": AUDIO_SHORT,
        "frames": DECODE_FAILED,
        "proxy": r"Transcoding .* failed.*corrupt part-way",
    },
    "audio-only": {
        "probe": NO_VIDEO,
        "count": NO_VIDEO,
        "audio": OK,
        "frames": NO_VIDEO,
        "proxy": NO_VIDEO,
    },
    "no-audio-stream": {
        "probe": OK,
        "count": OK,
        "audio": r"has no audio stream. Pass missing_audio=\"silence\"",
        "silence": OK,
        "frames": OK,
        "proxy": OK,
    },
    "huge-resolution": {"probe": OK, "count": OK, "audio": OK, "frames": OK, "proxy": OK},
    "odd-dimensions": {"probe": OK, "count": OK, "silence": OK, "frames": OK, "proxy": OK},
    "variable-frame-rate": {"probe": OK, "count": OK, "audio": OK, "frames": OK, "proxy": OK},
    "under-one-tr": {"probe": OK, "count": OK, "audio": OK, "frames": OK, "proxy": OK},
}

CELLS = [(name, op) for name, ops in EXPECT.items() for op in ops]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media-matrix")


@pytest.fixture(scope="module")
def files(folder: Path) -> dict[str, Path]:
    return {name: make(folder) for name, make in FILES.items()}


def _windows(path: Path) -> np.ndarray:
    # A window at the start, one in the middle and one at the declared end; when the
    # header cannot be read, any window will do (the error comes first).
    try:
        n = media.count_frames(path)
    except vw.MediaError:
        n = 3
    return np.array([[0, 1], [n // 2, n // 2 + 1], [n - 2, n - 1]])


def _run(op: str, path: Path, folder: Path):
    if op == "probe":
        return media.probe(path)
    if op == "count":
        return media.count_frames(path)
    if op == "audio":
        return media.decode_audio(path)
    if op == "silence":
        return media.decode_audio(path, missing_audio="silence")
    if op == "frames":
        return list(media.iter_frame_windows(path, _windows(path), (24, 32), max_missing=2))
    if op == "proxy":
        return media.make_browser_proxy(path, folder / f"proxy-{path.stem}.mp4")
    raise AssertionError(op)


def _check_valid(op: str, name: str, result, path: Path) -> None:
    """A valid result is a sound one: sizes, lengths and streams as the file has them."""
    if op == "probe":
        assert result.duration > 0
        assert result.fps > 0
        assert result.width >= 1
        assert result.height >= 1
    elif op == "count":
        assert result >= 1
    elif op in ("audio", "silence"):
        duration = media.probe(path).duration if name != "audio-only" else 2.0
        assert result.dtype == np.float32
        assert result.ndim == 1
        assert abs(result.size / 16_000 - duration) < 0.25
        assert np.isfinite(result).all()
        if op == "silence":
            assert not result.any()
    elif op == "frames":
        assert [w for w, _, _ in result] == [0, 1, 2]
        for _, frames, valid in result:
            assert frames.shape == (2, 24, 32, 3)
            assert frames.dtype == np.uint8
            assert valid.all()
    elif op == "proxy":
        info = media.probe(result.path)
        assert info.video_codec == "h264"
        assert info.width % 2 == 0
        assert info.height % 2 == 0
        assert info.height <= media.DEFAULT_PROXY_HEIGHT
        assert (info.width, info.height) == (result.width, result.height)


@pytest.mark.parametrize(("name", "op"), CELLS, ids=[f"{n}-{o}" for n, o in CELLS])
def test_media_matrix(name: str, op: str, files: dict[str, Path], folder: Path):
    path = files[name]
    expected = EXPECT[name][op]
    if expected == OK:
        _check_valid(op, name, _run(op, path, folder), path)
        return
    with pytest.raises(vw.MediaError) as info:
        _run(op, path, folder)
    message = str(info.value)
    assert re.search(expected, message, re.DOTALL), message
    assert str(path.name) in message  # the file is always named
    assert not list(folder.glob(".proxy-*"))  # a failed proxy leaves no partial file


def test_variable_frame_rate_keeps_its_frame_times(files: dict[str, Path]):
    proxy = media.browser_proxy(files["variable-frame-rate"])
    with av.open(str(proxy.path)) as container:
        assert [round(f.time, 3) for f in container.decode(video=0)] == VFR_TIMES


def test_huge_resolution_is_scaled_down_for_the_browser(files: dict[str, Path]):
    proxy = media.browser_proxy(files["huge-resolution"])
    assert (proxy.width, proxy.height) == (640, 360)


def test_odd_dimensions_become_even_in_the_proxy(files: dict[str, Path]):
    proxy = media.browser_proxy(files["odd-dimensions"])
    assert (proxy.width % 2, proxy.height % 2) == (0, 0)
    assert abs(proxy.width - 161) <= 1
    assert abs(proxy.height - 97) <= 1


def test_a_clip_under_one_tr_is_refused_by_the_player_and_the_encoder(
    files: dict[str, Path], demo_model
):
    short = files["under-one-tr"]
    with pytest.raises(vw.MediaError, match=r"short\.mp4' lasts 1\.000 s, shorter than one TR"):
        vw.VideoPlayer(short)
    with pytest.raises(vw.VibeError, match=r"short\.mp4") as info:
        vw.encode(demo_model, [], short, show_progress=False)
    assert "1.49" in str(info.value)


def test_a_header_claiming_a_huge_duration_allocates_nothing_huge(monkeypatch):
    # As if the header said the audio lasts 30 000 years: the decoder must not reserve
    # memory for that (a MemoryError before), and the mismatch is reported as truncation.
    monkeypatch.setattr(media, "_stream_seconds", lambda stream: 1e12)
    with pytest.raises(vw.MediaError, match=r"ends after 45\.\d+ s but the file says it lasts"):
        media.decode_audio(vw.sample_clip().video_path)
