"""Explorer: the movie, its transcript, the glass brain and the network timecourses, linked."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ipywidgets
import numpy as np

from vibe_widgets.engine.encoder import EncodingModel
from vibe_widgets.errors import InvalidParameterError, VibeError
from vibe_widgets.widgets.glass_brain import GlassBrain
from vibe_widgets.widgets.html_export import export_html
from vibe_widgets.widgets.linking import link
from vibe_widgets.widgets.network_timecourse import NetworkTimecourse
from vibe_widgets.widgets.transcript_editor import TranscriptEditor
from vibe_widgets.widgets.video_player import VideoPlayer

__all__ = ["Explorer"]

_log = logging.getLogger(__name__)


class Explorer(ipywidgets.VBox):
    """Scrub a movie and watch the predicted brain; edit a line and see the prediction change.

    Encodes on construction, then lays out a `VideoPlayer`, a `TranscriptEditor`, a
    `GlassBrain` and a `NetworkTimecourse` on one shared cursor (linked in the browser,
    so scrubbing never waits for the kernel). Committing an edit in the transcript
    re-encodes: audio and video features come from the cache, so it costs one text pass
    and one model pass; the first prediction stays in the timecourse for comparison.

    Parameters
    ----------
    model : EncodingModel
        From `get_encoding_model`, with a subject (or pass ``subject``).
    video_path : str or Path
        The movie.
    transcripts : list of str
        One string per TR, ``floor(duration / tr)`` of them.
    subject : int, optional
        Overrides the model's subject.
    hrf_offset : float
        Seconds by which the cursor lags the video (see `VideoPlayer`).
    show_progress : bool
        Progress bars for the first encode.
    debounce : float
        Seconds to wait after an edit before re-encoding, so that a burst of edits (typing
        several lines, undoing twice) costs one encode. Applies in a running kernel; without
        an event loop (a script) an edit re-encodes at once.

    Attributes
    ----------
    responses : ndarray of shape (n_tr, n_parcels)
        The current prediction (float32).
    original_responses : ndarray of shape (n_tr, n_parcels)
        The prediction for the transcripts given at construction.
    """

    def __init__(
        self,
        model: EncodingModel,
        video_path: str | os.PathLike,
        transcripts: Sequence[str],
        *,
        subject: int | None = None,
        hrf_offset: float = 0.0,
        show_progress: bool = True,
        debounce: float = 0.3,
    ) -> None:
        if not isinstance(model, EncodingModel):
            raise InvalidParameterError(
                f"model must be an EncodingModel from get_encoding_model(), got "
                f"{type(model).__name__}."
            )
        if model.n_outputs != model.config.num_rois:
            raise InvalidParameterError(
                "The Explorer shows all 1000 parcels: load the model without a selection "
                f"(this one outputs {model.n_outputs})."
            )
        if (
            isinstance(debounce, bool)
            or not isinstance(debounce, (int, float))
            or not (0 <= debounce <= 60)
        ):
            raise InvalidParameterError(
                f"debounce must be a number of seconds in [0, 60], got {debounce!r}."
            )
        self.model, self.video_path, self.subject = model, Path(video_path), subject
        self.debounce = float(debounce)
        self._pending: asyncio.TimerHandle | None = None
        encoded = model.encode(
            list(transcripts), video_path=video_path, subject=subject, show_progress=show_progress
        )
        self.original_responses = self.responses = encoded.numpy()
        tr = model.config.tr
        self.player = VideoPlayer(video_path, tr=tr, hrf_offset=hrf_offset)
        self.editor = TranscriptEditor(list(transcripts), tr=tr)
        self.brain = GlassBrain(self.responses, tr=tr)
        self.timecourse = NetworkTimecourse(self.responses, tr=tr)
        self.timecourse.compare_label = "before the edits"
        self.link_id = link(self.player, self.editor, self.brain, self.timecourse)
        # Text, never HTML: the label comes from a variant's config.json.
        self.banner = ipywidgets.Label(_banner_text(model))
        self.status = ipywidgets.Label(f"encoded {self.responses.shape[0]} TRs")
        self.editor.observe(self._on_edit, names="transcripts")
        self.brain.observe(self._on_select, names="selected_parcel")
        super().__init__(
            [
                self.banner,
                # Side by side where the page is wide enough, the transcript below the
                # movie in a narrow notebook column (shrinking them would overlap them).
                ipywidgets.HBox(
                    [self.player, self.editor],
                    layout=ipywidgets.Layout(
                        flex_flow="row wrap", align_items="flex-start", grid_gap="8px"
                    ),
                ),
                self.brain,
                self.timecourse,
                self.status,
            ]
        )

    @property
    def cursor(self) -> int:
        """The TR shown (the video player's cursor, which the browser keeps the views on).

        Setting it moves every view from Python. Views are linked in the browser, so a
        cursor set on one view alone reaches the others only once the page renders it.
        """
        return self.player.cursor

    @cursor.setter
    def cursor(self, value: int) -> None:
        n_tr = self.responses.shape[0]
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, np.integer))
            or not (0 <= value < n_tr)
        ):
            raise InvalidParameterError(
                f"cursor must be a TR index in 0..{n_tr - 1}, got {value!r}."
            )
        for view in (self.player, self.editor, self.brain, self.timecourse):
            view.cursor = int(value)

    @property
    def transcripts(self) -> list[str]:
        """The transcripts as currently edited."""
        return list(self.editor.transcripts)

    def _on_edit(self, change: dict[str, Any]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or self.debounce == 0:
            self.reencode()
            return
        # In a kernel, comm messages arrive on its event loop: wait for the burst to end.
        if self._pending is not None:
            self._pending.cancel()
        self.status.value = "edit received; re-encoding shortly"
        self._pending = loop.call_later(self.debounce, self._flush)

    def _flush(self) -> None:
        self._pending = None
        try:
            self.reencode()
        except Exception as error:
            # A timer callback's exception would only reach the kernel's log: show it too.
            self.status.value = f"re-encode failed ({type(error).__name__}: {error})"
            _log.exception("Explorer re-encode failed")

    def reencode(self) -> None:
        """Encode the transcripts as they are now and update the views.

        Audio and video features come from the feature cache, so this costs one text pass
        and one model pass. On failure the views keep the previous prediction and the
        status line shows the error.
        """
        if self._pending is not None:
            # Called directly while a debounced re-encode waits: this one covers it.
            self._pending.cancel()
            self._pending = None
        started = time.perf_counter()
        self.status.value = "re-encoding"
        try:
            encoded = self.model.encode(
                self.transcripts,
                video_path=self.video_path,
                subject=self.subject,
                show_progress=False,
            )
        except VibeError as error:
            # The edit stays in the editor; only the prediction is not updated.
            self.status.value = f"re-encode failed, showing the previous prediction: {error}"
            return
        self.responses = encoded.numpy()
        unchanged = np.array_equal(self.responses, self.original_responses)
        compare = None if unchanged else self.original_responses
        self.timecourse.set_responses(self.responses, compare=compare)
        self.brain.set_responses(self.responses)
        self.status.value = f"re-encoded after an edit in {time.perf_counter() - started:.2f} s"

    def _on_select(self, change: dict[str, Any]) -> None:
        parcel = change["new"]
        self.timecourse.parcels = [] if parcel < 0 else [int(parcel)]

    def to_html(self, path: str | os.PathLike, *, title: str = "vibe-widgets Explorer") -> Path:
        """A self-contained offline page of the Explorer that scrubs, plays and links."""
        return export_html([self], path, title=title)

    def __repr__(self) -> str:
        return (
            f"Explorer('{self.video_path.name}', n_tr={self.responses.shape[0]}, "
            f"{_banner_text(self.model)!r})"
        )


def _banner_text(model: EncodingModel) -> str:
    if model.label:
        return f"Model: {model.label}"
    if model.untrained:
        return "Model: UNTRAINED (random weights): predictions are meaningless"
    return f"Model: {model.variant.name if model.variant else 'VIBE'}"
