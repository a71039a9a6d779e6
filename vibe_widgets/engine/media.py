"""Media on PyAV: probing a movie file and making its browser-friendly proxy."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from vibe_widgets.engine.digest import file_digest, text_digest
from vibe_widgets.engine.paths import cache_subdir
from vibe_widgets.errors import InvalidParameterError, MediaError

__all__ = [
    "DEFAULT_MAX_PROXY_MB",
    "DEFAULT_PROXY_HEIGHT",
    "MediaInfo",
    "ProxyVideo",
    "browser_proxy",
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
