"""Frame writers: GIF with Pillow (one fixed palette), H.264 MP4 with PyAV."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from vibe_widgets.errors import InvalidParameterError

__all__ = ["GifWriter", "Mp4Writer", "add_h264_stream", "even_size", "gif_palette"]

# GIF stores frame durations in hundredths of a second; browsers show frames shorter than
# 20 ms at 100 ms, so such a GIF would play far slower than asked.
_GIF_MIN_MS = 20


def even_size(width: int, height: int) -> tuple[int, int]:
    """Round a size up to even numbers: H.264 with 4:2:0 chroma needs them."""
    return width + width % 2, height + height % 2


def gif_palette(background: np.ndarray, cmap: Any) -> Any:
    """One 256-colour palette for every frame: greys, the colour map and its soft edges.

    Parameters
    ----------
    background : numpy.ndarray, uint8 of shape (height, width, 3)
        The static parts (outlines, colour bar, text), for the colours they add.
    cmap : matplotlib Colormap
        The colour map of the dots.

    Returns
    -------
    PIL.Image.Image
        A "P" image holding the palette (for ``Image.quantize(palette=...)``).
    """
    from PIL import Image

    greys = np.repeat(np.linspace(0, 255, 40)[:, None], 3, axis=1)
    ramp = np.asarray(cmap(np.linspace(0, 1, 160)))[:, :3] * 255
    # Anti-aliased dot edges blend into the white background.
    edges = 0.5 * (np.asarray(cmap(np.linspace(0, 1, 40)))[:, :3] * 255) + 0.5 * 255
    fixed = np.concatenate([greys, ramp, edges])
    # Whatever else the static parts hold (e.g. a colour bar of another map): 16 colours.
    rest = Image.fromarray(np.ascontiguousarray(background, dtype=np.uint8)).quantize(
        256 - len(fixed), method=Image.Quantize.FASTOCTREE
    )
    extra = np.asarray(rest.getpalette()[: 3 * (256 - len(fixed))], dtype=np.float64)
    extra = np.resize(extra.reshape(-1, 3), (256 - len(fixed), 3))
    table = np.clip(np.rint(np.concatenate([fixed, extra])), 0, 255).astype(np.uint8)
    palette = Image.new("P", (1, 1))
    palette.putpalette(table.ravel().tolist())
    return palette


class GifWriter:
    """Collects frames, mapped to one palette, and writes an endlessly looping GIF.

    Parameters
    ----------
    path : Path
    frame_ms : float
        Duration of every frame in milliseconds (stored in 10 ms steps).
    palette : PIL.Image.Image
        From `gif_palette`.
    """

    def __init__(self, path: Path, frame_ms: float, palette: Any) -> None:
        if frame_ms < _GIF_MIN_MS:
            raise InvalidParameterError(
                f"A GIF frame of {frame_ms:.1f} ms is too short: browsers show frames under "
                f"{_GIF_MIN_MS} ms for 100 ms. Lower speed, or write an .mp4."
            )
        self.path, self.frame_ms, self.palette = path, frame_ms, palette
        self.frames: list[Any] = []

    def add(self, frame: np.ndarray) -> None:
        """Append one RGB frame, uint8 array of shape (height, width, 3)."""
        from PIL import Image

        image = Image.fromarray(frame)
        # No dithering: dithered dots would shimmer from frame to frame.
        self.frames.append(image.quantize(palette=self.palette, dither=Image.Dither.NONE))

    def close(self) -> None:
        """Write the file."""
        if not self.frames:
            raise InvalidParameterError("No frames to write.")
        first, *rest = self.frames
        first.save(
            self.path,
            format="GIF",
            save_all=True,
            append_images=rest,
            duration=round(self.frame_ms),
            loop=0,
        )


def add_h264_stream(container: Any, width: int, height: int, rate: Fraction, crf: int) -> Any:
    """An H.264 (libx264, yuv420p) stream of ``rate`` frames per second on ``container``."""
    stream = container.add_stream("libx264", rate=rate)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.options = {"crf": str(crf), "preset": "veryfast"}
    return stream


class Mp4Writer:
    """Writes RGB frames of one size to an H.264 MP4, each shown for ``frame_seconds``.

    Parameters
    ----------
    path : Path
    width, height : int
        Frame size; odd sizes are padded with white by one pixel.
    frame_seconds : float
        Display time of every frame.
    crf : int
        x264 quality (lower is better; 18 is visually lossless for figures).
    """

    def __init__(
        self, path: Path, width: int, height: int, frame_seconds: float, crf: int = 18
    ) -> None:
        import av

        self.width, self.height = even_size(width, height)
        self.rate = Fraction(1 / frame_seconds).limit_denominator(100_000)
        self.container = av.open(str(path), mode="w", format="mp4")
        self.stream = add_h264_stream(self.container, self.width, self.height, self.rate, crf)
        self.count = 0

    def add(self, frame: np.ndarray) -> None:
        """Append one RGB frame, uint8 array of shape (height, width, 3)."""
        import av

        h, w = frame.shape[:2]
        if (h, w) != (self.height, self.width):
            padded = np.full((self.height, self.width, 3), 255, dtype=np.uint8)
            padded[:h, :w] = frame
            frame = padded
        video = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
        video.pts, video.time_base = self.count, 1 / self.rate
        self.count += 1
        self.container.mux(self.stream.encode(video))

    def close(self) -> None:
        """Flush the encoder and close the file."""
        self.container.mux(self.stream.encode(None))
        self.container.close()
