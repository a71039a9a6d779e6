"""anywidget views: Python owns traits, validation and serialisation; js/ owns rendering."""

from __future__ import annotations

from vibe_widgets.widgets.explorer import Explorer
from vibe_widgets.widgets.glass_brain import GlassBrain
from vibe_widgets.widgets.html_export import export_html
from vibe_widgets.widgets.linking import link, unlink
from vibe_widgets.widgets.network_timecourse import NetworkTimecourse
from vibe_widgets.widgets.transcript_editor import TranscriptEditor
from vibe_widgets.widgets.video_player import VideoPlayer

__all__ = [
    "Explorer",
    "GlassBrain",
    "NetworkTimecourse",
    "TranscriptEditor",
    "VideoPlayer",
    "export_html",
    "link",
    "unlink",
]
