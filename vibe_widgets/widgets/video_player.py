"""VideoPlayer: a movie in the notebook, synced to a TR cursor."""

from __future__ import annotations

import math
import os
from pathlib import Path

import traitlets

from vibe_widgets.engine.media import (
    DEFAULT_MAX_PROXY_MB,
    DEFAULT_PROXY_HEIGHT,
    browser_proxy,
    probe,
)
from vibe_widgets.engine.timing import DEFAULT_TR, check_tr, count_trs
from vibe_widgets.errors import InvalidParameterError, MediaError
from vibe_widgets.widgets._base import BundledWidget

__all__ = ["VideoPlayer"]


class VideoPlayer(BundledWidget):
    """Play a movie in the notebook with a TR cursor that follows (and drives) the video.

    The browser receives a small H.264/AAC proxy of the movie as one binary buffer (no
    server route needed, so it also works in exported HTML). While the video plays, the
    cursor is ``floor((currentTime - hrf_offset) / tr)`` clamped to ``[0, n_tr - 1]``;
    setting ``cursor`` (from Python or from a linked view) seeks to that TR's start.

    Parameters
    ----------
    path : str or Path
        The movie file (any container/codec FFmpeg decodes).
    tr : float
        Repetition time in seconds.
    hrf_offset : float
        Seconds by which the cursor lags the video (0: TR i while the video shows TR i).
    cursor : int
        Initial TR index.
    link_id : str
        Views with the same non-empty ``link_id`` share one cursor in the browser.
    max_height : int
        Height cap of the browser proxy in pixels (default 360).
    max_mb : float
        Largest proxy, in MB, that is sent to the browser; past it a MediaError says
        how to make it smaller.
    cache_dir : str or Path, optional
        Cache root for proxies (default: ``$VIBE_WIDGETS_CACHE`` or the user cache dir).

    Attributes
    ----------
    n_tr : int
        Number of TRs, ``floor(duration / tr)``.
    duration : float
        Video duration of the source file in seconds.
    """

    _bundle = "video_player"

    video = traitlets.Bytes(b"").tag(sync=True)
    filename = traitlets.Unicode("").tag(sync=True)
    duration = traitlets.Float(0.0).tag(sync=True)
    # Lets a seek land on the first frame that starts inside the TR, not on the last
    # frame of the TR before it (0 = unknown: seek to the TR's start time).
    frame_rate = traitlets.Float(0.0).tag(sync=True)
    tr = traitlets.Float(DEFAULT_TR).tag(sync=True)
    n_tr = traitlets.Int(0).tag(sync=True)
    cursor = traitlets.Int(0).tag(sync=True)
    playing = traitlets.Bool(False).tag(sync=True)
    hrf_offset = traitlets.Float(0.0).tag(sync=True)
    link_id = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        tr: float = DEFAULT_TR,
        hrf_offset: float = 0.0,
        cursor: int = 0,
        link_id: str = "",
        max_height: int = DEFAULT_PROXY_HEIGHT,
        max_mb: float = DEFAULT_MAX_PROXY_MB,
        cache_dir: str | os.PathLike | None = None,
    ) -> None:
        tr = check_tr(tr)
        info = probe(path)
        n_tr = count_trs(info.duration, tr)
        if n_tr == 0:
            raise MediaError(
                f"'{info.path}' lasts {info.duration:.3f} s, shorter than one TR ({tr} s): "
                "there is no TR to show. Use a longer clip."
            )
        proxy = browser_proxy(info.path, max_height=max_height, max_mb=max_mb, cache_dir=cache_dir)
        self.source_path: Path = info.path
        self.proxy = proxy
        super().__init__(
            video=proxy.read_bytes(),
            filename=info.path.name,
            duration=info.duration,
            frame_rate=info.fps,
            tr=tr,
            n_tr=n_tr,
            hrf_offset=hrf_offset,
            cursor=cursor,
            link_id=link_id,
        )

    @traitlets.validate("tr")
    def _valid_tr(self, proposal: traitlets.Bunch) -> float:
        return check_tr(proposal["value"])

    @traitlets.validate("cursor")
    def _valid_cursor(self, proposal: traitlets.Bunch) -> int:
        value = proposal["value"]
        if not 0 <= value < max(self.n_tr, 1):
            raise InvalidParameterError(
                f"cursor {value} is outside the clip's TRs 0..{self.n_tr - 1} "
                f"({self.n_tr} TRs of {self.tr} s in {self.duration:.2f} s)."
            )
        return value

    @traitlets.validate("hrf_offset")
    def _valid_offset(self, proposal: traitlets.Bunch) -> float:
        value = proposal["value"]
        if not math.isfinite(value) or abs(value) >= max(self.duration, 1e-9):
            raise InvalidParameterError(
                f"hrf_offset must be finite and shorter than the clip ({self.duration:.2f} s), "
                f"got {value!r}. A typical haemodynamic lag is 4-6 s."
            )
        return value

    @traitlets.observe("tr")
    def _regrid(self, change: traitlets.Bunch) -> None:
        # A new TR changes the grid: recount and keep the cursor inside it.
        if self.duration > 0:
            self.n_tr = count_trs(self.duration, change["new"])
            self.cursor = min(self.cursor, max(self.n_tr - 1, 0))

    def __repr__(self) -> str:
        return (
            f"VideoPlayer('{self.filename}', n_tr={self.n_tr}, tr={self.tr}, "
            f"cursor={self.cursor}, proxy={self.proxy.width}x{self.proxy.height} "
            f"{self.proxy.size_bytes / 1e6:.2f} MB)"
        )

    def _html_title(self) -> str:
        return f"vibe-widgets: {self.filename}"
