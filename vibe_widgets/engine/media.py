"""Media on PyAV: probing a movie file and making its browser-friendly proxy."""

from __future__ import annotations

import math
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from vibe_widgets.engine.digest import file_digest, text_digest
from vibe_widgets.engine.paths import cache_subdir
from vibe_widgets.errors import InvalidParameterError, MediaError

__all__ = [
    "DEFAULT_MAX_PROXY_MB",
    "DEFAULT_PROXY_HEIGHT",
    "MediaInfo",
    "ProxyVideo",
    "browser_proxy",
    "count_frames",
    "decode_audio",
    "iter_frame_windows",
    "make_browser_proxy",
    "probe",
]

# 360p H.264 at CRF 28 runs at roughly 0.2-0.5 MB per minute of movie for typical content,
# so a 22-minute episode fits in tens of MB: small enough to send to the browser whole.
DEFAULT_PROXY_HEIGHT = 360
DEFAULT_PROXY_CRF = 28
DEFAULT_MAX_PROXY_MB = 200.0
# Bump when the proxy's encoding changes, so cached proxies are rebuilt.
_PROXY_VERSION = "1"


@dataclass(frozen=True)
class MediaInfo:
    """What :func:`probe` reads from a movie file.

    Attributes
    ----------
    path : Path
        The file.
    duration : float
        Video duration in seconds: the video stream's duration, else the container's,
        else frame count / average frame rate.
    fps : float
        Average frame rate of the video stream.
    width, height : int
        Coded frame size in pixels (before any rotation).
    rotation : int
        Display rotation in degrees from the stream metadata (0, 90, 180 or 270).
    video_codec : str
        FFmpeg name of the video codec.
    audio_codec : str or None
        FFmpeg name of the first audio stream's codec, None when there is no audio.
    """

    path: Path
    duration: float
    fps: float
    width: int
    height: int
    rotation: int
    video_codec: str
    audio_codec: str | None

    @property
    def has_audio(self) -> bool:
        """Whether the file has an audio stream."""
        return self.audio_codec is not None


@dataclass(frozen=True)
class ProxyVideo:
    """A browser-friendly copy of a movie: H.264 + AAC in MP4, at most ``max_height`` tall."""

    path: Path
    width: int
    height: int
    size_bytes: int
    transcode_seconds: float

    def read_bytes(self) -> bytes:
        """The proxy file's bytes."""
        return self.path.read_bytes()


def _check_file(path: str | os.PathLike) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidParameterError(
            f"video path must be a str or pathlib.Path, got {type(path).__name__} ({path!r})."
        )
    p = Path(path).expanduser()
    if not p.exists():
        raise MediaError(f"Video file not found: '{p}'. Check the path (cwd is '{Path.cwd()}').")
    if p.is_dir():
        raise MediaError(f"'{p}' is a directory, not a video file. Pass the path of a movie file.")
    if p.stat().st_size == 0:
        raise MediaError(f"Video file '{p}' is empty (0 bytes). Re-export or re-copy the file.")
    return p


def _open(p: Path) -> av.container.InputContainer:
    try:
        return av.open(str(p), mode="r")
    except av.FFmpegError as error:
        raise MediaError(
            f"'{p}' cannot be read as a media file ({error}). It may be truncated or not a "
            "video; check that it plays in a media player, or re-encode it (e.g. to H.264 MP4)."
        ) from error


def _rotation(stream: av.video.stream.VideoStream, first_frame: av.VideoFrame | None) -> int:
    angle = first_frame.rotation if first_frame is not None else 0
    return round(angle) % 360


def probe(path: str | os.PathLike) -> MediaInfo:
    """Read a movie's duration, frame rate, size and streams, and check it decodes.

    Parameters
    ----------
    path : str or Path
        The movie file.

    Returns
    -------
    MediaInfo

    Raises
    ------
    MediaError
        If the file is missing, empty, unreadable, has no video stream, or its video
        codec cannot be decoded.
    """
    p = _check_file(path)
    with _open(p) as container:
        if not container.streams.video:
            kinds = ", ".join(s.type for s in container.streams) or "no streams"
            raise MediaError(
                f"'{p}' has no video stream (it has: {kinds}). Pass a movie file with video."
            )
        stream = container.streams.video[0]
        codec = stream.codec_context.name if stream.codec_context else "unknown"
        try:
            first = next(container.decode(stream), None)
        except av.FFmpegError as error:
            raise MediaError(
                f"The video stream of '{p}' (codec '{codec}') cannot be decoded ({error}). "
                "Re-encode the file to a common codec such as H.264."
            ) from error
        if first is None:
            raise MediaError(f"'{p}' has a video stream with no decodable frames.")
        fps = float(stream.average_rate or stream.guessed_rate or 0)
        duration = _video_duration(container, stream, fps)
        if not duration > 0 or not fps > 0:
            raise MediaError(
                f"Cannot tell the duration or frame rate of '{p}' (duration={duration}, "
                f"fps={fps}). Remux it (e.g. to MP4) so the container records them."
            )
        audio = container.streams.audio[0].codec_context.name if container.streams.audio else None
        return MediaInfo(
            path=p,
            duration=duration,
            fps=fps,
            width=first.width,
            height=first.height,
            rotation=_rotation(stream, first),
            video_codec=codec,
            audio_codec=audio,
        )


def _video_duration(container: av.container.InputContainer, stream, fps: float) -> float:
    # The stream's own duration is right for variable frame rates too; frame count over
    # average rate (what the published pipeline uses) agrees with it for constant rates.
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    if stream.frames and fps > 0:
        return stream.frames / fps
    return 0.0


def _proxy_size(width: int, height: int, max_height: int) -> tuple[int, int]:
    # H.264 with 4:2:0 chroma needs even dimensions.
    if height > max_height:
        width = width * max_height / height
        height = max_height
    return max(2, round(width / 2) * 2), max(2, round(height / 2) * 2)


def make_browser_proxy(
    path: str | os.PathLike,
    out_path: str | os.PathLike,
    *,
    max_height: int = DEFAULT_PROXY_HEIGHT,
    crf: int = DEFAULT_PROXY_CRF,
) -> ProxyVideo:
    """Transcode a movie to H.264 + AAC in MP4 that every browser plays.

    The frame timing of the source is kept (variable frame rate included), rotation
    metadata is carried over, and frames taller than ``max_height`` are scaled down.

    Parameters
    ----------
    path : str or Path
        The source movie.
    out_path : str or Path
        Where to write the MP4 (written to a temporary file first, then moved into place).
    max_height : int
        Largest height of the proxy in pixels; smaller sources keep their size.
    crf : int
        x264 constant rate factor (0-51, higher is smaller and blurrier).

    Returns
    -------
    ProxyVideo
    """
    if not isinstance(max_height, int) or max_height < 16:
        raise InvalidParameterError(f"max_height must be an int >= 16, got {max_height!r}.")
    if not isinstance(crf, int) or not 0 <= crf <= 51:
        raise InvalidParameterError(f"crf must be an int in 0..51, got {crf!r}.")
    info = probe(path)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    fd, tmp_name = tempfile.mkstemp(suffix=".mp4", dir=out.parent, prefix=".proxy-")
    os.close(fd)
    try:
        width, height = _proxy_size(info.width, info.height, max_height)
        _transcode(info, Path(tmp_name), width, height, crf)
        os.replace(tmp_name, out)
    except av.FFmpegError as error:
        raise MediaError(
            f"Transcoding '{info.path}' for the browser failed ({error}). The file may be "
            "corrupt part-way through; re-encode it or trim the damaged part."
        ) from error
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return ProxyVideo(
        path=out,
        width=width,
        height=height,
        size_bytes=out.stat().st_size,
        transcode_seconds=time.perf_counter() - started,
    )


def _transcode(info: MediaInfo, out: Path, width: int, height: int, crf: int) -> None:
    with (
        _open(info.path) as src,
        av.open(str(out), mode="w", format="mp4", options={"movflags": "+faststart"}) as dst,
    ):
        vin = src.streams.video[0]
        vin.thread_type = "AUTO"
        ain = src.streams.audio[0] if src.streams.audio else None

        # A fine time base keeps variable-frame-rate timing exact.
        video_tb = Fraction(1, 90_000)
        vout = dst.add_stream("libx264", rate=Fraction(info.fps).limit_denominator(1001))
        vout.width, vout.height, vout.pix_fmt = width, height, "yuv420p"
        vout.time_base = video_tb
        vout.codec_context.time_base = video_tb
        vout.options = {"crf": str(crf), "preset": "veryfast"}
        if info.rotation:
            vout.set_display_rotation(info.rotation)

        aout = resampler = None
        if ain is not None:
            rate = 48_000 if ain.rate == 48_000 else 44_100
            aout = dst.add_stream("aac", rate=rate)
            aout.layout = "mono" if ain.codec_context.channels == 1 else "stereo"
            aout.bit_rate = 96_000
            resampler = av.AudioResampler(format="fltp", layout=aout.layout.name, rate=rate)

        t0: float | None = None
        last_pts = -1
        samples_out: int | None = None
        streams = [vin] if ain is None else [vin, ain]
        for packet in src.demux(*streams):
            for frame in packet.decode():
                if frame.time is None:
                    continue
                if packet.stream.type == "video":
                    if t0 is None:
                        t0 = frame.time
                    pts = round((frame.time - t0) / video_tb)
                    if pts <= last_pts:  # duplicate or out-of-order timestamp: drop the frame
                        continue
                    last_pts = pts
                    scaled = frame.reformat(width=width, height=height, format="yuv420p")
                    scaled.pts, scaled.time_base = pts, video_tb
                    dst.mux(vout.encode(scaled))
                else:
                    start = 0.0 if t0 is None else t0
                    if samples_out is None:
                        samples_out = max(0, round((frame.time - start) * aout.rate))
                    frame.pts = None
                    for chunk in resampler.resample(frame):
                        chunk.pts, chunk.time_base = samples_out, Fraction(1, aout.rate)
                        samples_out += chunk.samples
                        dst.mux(aout.encode(chunk))
        dst.mux(vout.encode(None))
        if aout is not None:
            for chunk in resampler.resample(None):
                chunk.pts, chunk.time_base = samples_out or 0, Fraction(1, aout.rate)
                samples_out = (samples_out or 0) + chunk.samples
                dst.mux(aout.encode(chunk))
            dst.mux(aout.encode(None))


def browser_proxy(
    path: str | os.PathLike,
    *,
    max_height: int = DEFAULT_PROXY_HEIGHT,
    crf: int = DEFAULT_PROXY_CRF,
    max_mb: float = DEFAULT_MAX_PROXY_MB,
    cache_dir: str | os.PathLike | None = None,
) -> ProxyVideo:
    """The cached browser proxy of a movie, made on first use.

    Proxies are keyed by the source's content digest and the settings, under
    ``<cache>/proxy/``; a second call for the same file costs one digest of the file.

    Raises
    ------
    MediaError
        If the proxy would be larger than ``max_mb`` megabytes: the message says how to
        make it smaller (a lower ``max_height``, a higher ``crf``, or a shorter clip).
    """
    numeric = isinstance(max_mb, (int, float)) and not isinstance(max_mb, bool)
    if not numeric or not math.isfinite(max_mb) or max_mb <= 0:
        raise InvalidParameterError(
            f"max_mb must be a positive number of megabytes (default {DEFAULT_MAX_PROXY_MB}), "
            f"got {max_mb!r}."
        )
    source = _check_file(path)
    key = text_digest(file_digest(source), str(max_height), str(crf), _PROXY_VERSION)
    target = cache_subdir("proxy", cache_dir) / f"{key}.mp4"
    if target.exists() and target.stat().st_size > 0:
        info = probe(target)
        proxy = ProxyVideo(target, info.width, info.height, target.stat().st_size, 0.0)
    else:
        proxy = make_browser_proxy(source, target, max_height=max_height, crf=crf)
    if proxy.size_bytes > max_mb * 1e6:
        raise MediaError(
            f"The browser proxy of '{source}' is {proxy.size_bytes / 1e6:.1f} MB, over the "
            f"limit of max_mb={max_mb} MB that is sent to the browser. Use a lower "
            f"max_height (now {max_height}), a higher crf (now {crf}), a shorter clip, or "
            "raise max_mb if your browser and notebook can hold it."
        )
    return proxy


_MISSING_AUDIO = ("error", "silence")
# Shortfall of decoded audio against the stream's declared duration that still counts as
# whole: codec priming and padding differ by tens of milliseconds, truncation by far more.
_AUDIO_SHORTFALL_SECONDS = 0.2
_AUDIO_SHORTFALL_FRACTION = 0.01
_MAX_PREALLOCATED_SECONDS = 30 * 60.0


class _SampleBuffer:
    """A growable float32 buffer: decoded chunks are copied in once, never concatenated."""

    def __init__(self, capacity: int) -> None:
        self.data = np.empty(max(capacity, 1), dtype=np.float32)
        self.size = 0

    def extend(self, frames: list[av.AudioFrame]) -> None:
        for frame in frames:
            chunk = frame.to_ndarray().reshape(-1)
            end = self.size + chunk.size
            if end > self.data.size:
                grown = np.empty(max(end, self.data.size * 3 // 2), dtype=np.float32)
                grown[: self.size] = self.data[: self.size]
                self.data = grown
            self.data[self.size : end] = chunk
            self.size = end

    def result(self) -> np.ndarray:
        # A close estimate leaves little slack; a poor one is trimmed by a copy.
        if self.data.size - self.size > self.data.size // 10:
            return self.data[: self.size].copy()
        return self.data[: self.size]


def decode_audio(
    path: str | os.PathLike,
    *,
    sample_rate: int = 16_000,
    missing_audio: str = "error",
) -> np.ndarray:
    """Decode a file's first audio stream to mono float32 samples, resampled once.

    Channels are mixed down by FFmpeg's default matrix (as the published VIBE pipeline's
    decoder does), so loud in-phase stereo can slightly exceed 1; nothing is clipped.

    Parameters
    ----------
    path : str or Path
        A movie or audio file.
    sample_rate : int
        Output rate in Hz (16 kHz for AST).
    missing_audio : {"error", "silence"}
        What to do when the file has no audio stream: raise, or return zeros for the
        video's duration (from :func:`probe`).

    Returns
    -------
    numpy.ndarray of shape (n_samples,), float32
        The samples, nominally in [-1, 1]; ``n_samples / sample_rate`` is the audio duration.

    Raises
    ------
    MediaError
        If the file is missing or unreadable, has no audio (with ``missing_audio="error"``),
        or its audio is corrupt or truncated part-way.
    InvalidParameterError
        If ``sample_rate`` or ``missing_audio`` is not valid.
    """
    if missing_audio not in _MISSING_AUDIO:
        raise InvalidParameterError(
            f"missing_audio must be 'error' or 'silence', got {missing_audio!r}."
        )
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, int) or sample_rate <= 0:
        raise InvalidParameterError(
            f"sample_rate must be a positive int (Hz), got {sample_rate!r}."
        )
    p = _check_file(path)
    with _open(p) as container:
        if container.streams.audio:
            return _decode_mono(p, container, container.streams.audio[0], sample_rate)
        if missing_audio == "error":
            raise MediaError(
                f"'{p}' has no audio stream. Pass missing_audio=\"silence\" to use silence "
                "for its whole duration, or add an audio track to the file."
            )
        if not container.streams.video:
            raise MediaError(f"'{p}' has neither an audio nor a video stream.")
    duration = probe(p).duration
    return np.zeros(round(duration * sample_rate), dtype=np.float32)


def _stream_seconds(stream: av.audio.stream.AudioStream) -> float | None:
    if stream.duration is None or stream.time_base is None:
        return None
    return float(stream.duration * stream.time_base)


def _decode_mono(
    p: Path,
    container: av.container.InputContainer,
    stream: av.audio.stream.AudioStream,
    sample_rate: int,
) -> np.ndarray:
    declared = _stream_seconds(stream)
    if declared is None and container.duration is not None:
        declared = container.duration / av.time_base
    # The header's duration is only a hint: a damaged one may claim days, so the first
    # allocation is capped and the buffer grows with what actually decodes.
    hint = min((declared or 0.0) + 1.0, _MAX_PREALLOCATED_SECONDS)
    buffer = _SampleBuffer(int(hint * sample_rate))
    resampler: av.AudioResampler | None = None
    source = None
    try:
        for frame in container.decode(stream):
            # A resampler is set up for one input format; a mid-stream change gets a new one.
            key = (frame.format.name, frame.layout.name, frame.sample_rate)
            if key != source:
                if resampler is not None:
                    buffer.extend(resampler.resample(None))
                resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
                source = key
            # Samples are laid end to end; timestamps would only make the filter complain.
            frame.pts = None
            buffer.extend(resampler.resample(frame))
        if resampler is not None:
            buffer.extend(resampler.resample(None))
    except av.FFmpegError as error:
        raise MediaError(
            f"The audio of '{p}' cannot be decoded past {buffer.size / sample_rate:.2f} s "
            f"({error}). The file may be truncated or corrupt; re-encode it, or trim the "
            "damaged part."
        ) from error
    decoded = buffer.size / sample_rate
    declared_stream = _stream_seconds(stream)
    if declared_stream is not None and decoded < declared_stream - (
        _AUDIO_SHORTFALL_SECONDS + _AUDIO_SHORTFALL_FRACTION * declared_stream
    ):
        raise MediaError(
            f"The audio of '{p}' ends after {decoded:.2f} s but the file says it lasts "
            f"{declared_stream:.2f} s: the file is probably truncated. Re-copy or re-encode it."
        )
    return buffer.result()


def count_frames(path: str | os.PathLike) -> int:
    """Number of frames in a movie's video stream.

    The container's frame count when it records one; otherwise (Matroska, WebM, MPEG-TS
    often record 0) the number of video packets with data, counted by demuxing without
    decoding, which is one frame per packet for the codecs in use.

    Raises
    ------
    MediaError
        If the file is missing, unreadable, or has no video stream or no frames.
    """
    p = _check_file(path)
    with _open(p) as container:
        if not container.streams.video:
            raise MediaError(f"'{p}' has no video stream. Pass a movie file with video.")
        stream = container.streams.video[0]
        count = int(stream.frames or 0)
        if count <= 0:
            try:
                count = sum(1 for packet in container.demux(stream) if packet.size > 0)
            except av.FFmpegError as error:
                raise MediaError(
                    f"'{p}' cannot be read to the end ({error}); it may be truncated. "
                    "Re-encode it (e.g. to H.264 MP4)."
                ) from error
    if count <= 0:
        raise MediaError(f"'{p}' has a video stream with no frames.")
    return count


def _check_windows(windows: np.ndarray) -> np.ndarray:
    array = np.asarray(windows)
    if array.ndim != 2 or array.shape[1] == 0 or not np.issubdtype(array.dtype, np.integer):
        raise InvalidParameterError(
            "windows must be an integer array of shape (n_windows, n_samples), got "
            f"{array.dtype} of shape {array.shape}."
        )
    return array.astype(np.int64, copy=False)


def _check_size(size: tuple[int, int]) -> tuple[int, int]:
    ok = isinstance(size, (tuple, list)) and len(size) == 2
    ok = ok and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in size)
    if not ok or min(size) < 1:
        raise InvalidParameterError(f"size must be (height, width) in pixels >= 1, got {size!r}.")
    return int(size[0]), int(size[1])


def _upright_rgb(
    frame: av.VideoFrame,
    height: int,
    width: int,
    reformatter: VideoReformatter | None = None,
) -> np.ndarray:
    # The display matrix says how far to turn the coded picture counterclockwise to show it
    # upright (FFmpeg's own autorotate does the same). Scaling to the transposed size before
    # turning is the same as turning then scaling, and it turns the small picture only.
    quarter_turns = round((frame.rotation or 0) / 90) % 4
    if quarter_turns % 2:
        height, width = width, height
    if reformatter is None:
        rgb = frame.to_ndarray(width=width, height=height, format="rgb24")
    else:
        # One reformatter per decode pass keeps its scaler context: building a new one for
        # every frame (what to_ndarray(width=...) does) costs more than a small resize.
        rgb = reformatter.reformat(frame, width=width, height=height, format="rgb24").to_ndarray()
    return np.ascontiguousarray(np.rot90(rgb, quarter_turns)) if quarter_turns else rgb


def iter_frame_windows(
    path: str | os.PathLike,
    windows: np.ndarray,
    size: tuple[int, int],
    *,
    max_missing: int | None = None,
    stats: dict[str, int] | None = None,
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Frames of many overlapping windows, decoding the movie once from front to back.

    Frame ``n`` is the ``n``-th frame the decoder outputs (0-based, display order). Each
    needed frame is turned upright (display rotation of 90, 180 or 270 degrees), resized to
    ``size`` (plain bilinear resize, no crop) and converted to RGB once, and kept only while
    a window not yet yielded still needs it: with windows that move forward through the
    movie, at most about one window's span of frames is held, however long the movie.

    Parameters
    ----------
    path : str or Path
        The movie.
    windows : numpy.ndarray of shape (n_windows, n_samples), int
        Frame numbers per window. Negative numbers stand for times before the movie:
        their frames are all zero and flagged invalid. Numbers past the last decoded frame
        are clamped to the last frame (container frame counts can exceed what decodes by
        a frame or two).
    size : (int, int)
        ``(height, width)`` of the returned frames.
    max_missing : int, optional
        Largest number of frames a window may ask for past the last decoded one before the
        file is taken as truncated (MediaError); unlimited by default.
    stats : dict, optional
        Filled with ``"decoded"`` (frames decoded), ``"converted"`` (frames resized) and
        ``"peak_cached"`` (most frames held at once).

    Yields
    ------
    index : int
        Window index, in increasing order.
    frames : numpy.ndarray of shape (n_samples, height, width, 3), uint8
        RGB frames of the window.
    valid : numpy.ndarray of shape (n_samples,), bool
        False where the frame number was negative (the frame is all zero).

    Raises
    ------
    MediaError
        If the file is missing, unreadable, has no video or no decodable frame, fails to
        decode part-way, or ends more than ``max_missing`` frames early.
    """
    # Arguments are checked now, the file is opened on the first ``next()``.
    p = _check_file(path)
    windows = _check_windows(windows)
    height, width = _check_size(size)
    if max_missing is not None and (isinstance(max_missing, bool) or max_missing < 0):
        raise InvalidParameterError(f"max_missing must be an int >= 0, got {max_missing!r}.")
    stats = {} if stats is None else stats
    stats.update(decoded=0, converted=0, peak_cached=0)
    return _frame_windows(p, windows, height, width, max_missing, stats)


def _frame_windows(
    p: Path,
    windows: np.ndarray,
    height: int,
    width: int,
    max_missing: int | None,
    stats: dict[str, int],
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    n_windows, n_samples = windows.shape
    if n_windows == 0:
        return

    # The last window that needs each frame: once it is yielded, the frame can go.
    flat = windows.ravel()
    owner = np.repeat(np.arange(n_windows), n_samples)
    wanted = flat >= 0
    last_use: dict[int, int] = dict(zip(flat[wanted].tolist(), owner[wanted].tolist(), strict=True))
    release: dict[int, list[int]] = {}
    for frame_no, window in last_use.items():
        release.setdefault(window, []).append(frame_no)
    ready_at = windows.max(axis=1).tolist()

    cache: dict[int, np.ndarray] = {}
    next_window = 0

    def assemble(w: int, last_frame: int | None) -> tuple[int, np.ndarray, np.ndarray]:
        indices = windows[w]
        valid = indices >= 0
        frames = np.zeros((n_samples, height, width, 3), dtype=np.uint8)
        for j in np.flatnonzero(valid).tolist():
            frame_no = int(indices[j])
            if last_frame is not None:
                frame_no = min(frame_no, last_frame)
            frames[j] = cache[frame_no]
        for frame_no in release.get(w, ()):
            if frame_no != last_frame:  # the clamp target serves every window left
                cache.pop(frame_no, None)
        return w, frames, valid

    frame_no = -1
    last: av.VideoFrame | None = None
    reformatter = VideoReformatter()
    with _open(p) as container:
        if not container.streams.video:
            raise MediaError(f"'{p}' has no video stream. Pass a movie file with video.")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        decoded = container.decode(stream)
        while True:
            try:
                frame = next(decoded, None)
            except av.FFmpegError as error:
                raise MediaError(
                    f"Decoding '{p}' failed after {frame_no + 1} frames ({error}). The file "
                    "may be corrupt or truncated; re-encode it (e.g. to H.264 MP4)."
                ) from error
            if frame is None:
                break
            frame_no += 1
            last = frame
            if last_use.get(frame_no, -1) >= next_window:
                cache[frame_no] = _upright_rgb(frame, height, width, reformatter)
                stats["converted"] += 1
                stats["peak_cached"] = max(stats["peak_cached"], len(cache))
            while next_window < n_windows and ready_at[next_window] <= frame_no:
                yield assemble(next_window, None)
                next_window += 1
        stats["decoded"] = frame_no + 1
        if last is None:
            raise MediaError(f"'{p}' has a video stream with no decodable frames.")
        if next_window < n_windows:
            # The rest of the windows reach past the end: they get the last frame.
            needed = max(ready_at[next_window:])
            if max_missing is not None and needed - frame_no > max_missing:
                raise MediaError(
                    f"'{p}' decodes to {frame_no + 1} frames, but frame {needed} is needed: "
                    "the file looks truncated. Re-encode or re-copy it."
                )
            if frame_no not in cache:
                cache[frame_no] = _upright_rgb(last, height, width, reformatter)
                stats["converted"] += 1
                stats["peak_cached"] = max(stats["peak_cached"], len(cache))
            while next_window < n_windows:
                yield assemble(next_window, frame_no)
                next_window += 1
