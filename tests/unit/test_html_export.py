"""Offline HTML export: everything inlined, nothing fetched from a CDN."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

import vibe_widgets
from vibe_widgets import VideoPlayer, export_html
from vibe_widgets.errors import InvalidParameterError


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[VideoPlayer, str]:
    player = VideoPlayer(vibe_widgets.sample_clip().video_path, cursor=3)
    out = player.to_html(tmp_path_factory.mktemp("html") / "player.html", title="a <b> title")
    return player, out.read_text(encoding="utf-8")


def test_page_loads_no_external_script_or_style(page):
    _, text = page
    assert not re.search(r"<(script|link)[^>]+(src|href)=", text)


def test_page_embeds_the_widget_state_with_the_video_buffer(page):
    player, text = page
    match = re.search(
        r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', text, re.S
    )
    state = json.loads(match.group(1))["state"][player.model_id]
    assert state["state"]["cursor"] == 3
    assert state["state"]["_esm"]  # the view's bundle itself, not dropped as a default
    assert [b["path"] for b in state["buffers"]] == [["video"]]
    assert f'"model_id": "{player.model_id}"' in text


def test_page_names_anywidget_for_require_and_escapes_the_title(page):
    _, text = page
    assert 'define("anywidget", ["@jupyter-widgets/base"]' in text
    assert "<title>a &lt;b&gt; title</title>" in text


def test_export_refuses_non_widgets_and_directories(tmp_path: Path):
    with pytest.raises(InvalidParameterError, match="non-empty list of widgets"):
        export_html([], tmp_path / "x.html")
    with pytest.raises(InvalidParameterError, match="non-empty list of widgets"):
        export_html(["not a widget"], tmp_path / "x.html")
    player = VideoPlayer(vibe_widgets.sample_clip().video_path)
    with pytest.raises(InvalidParameterError, match="is a directory"):
        export_html([player], tmp_path)


def test_page_gets_the_usual_file_mode_not_a_private_temp_mode(tmp_path: Path):
    player = VideoPlayer(vibe_widgets.sample_clip().video_path)
    old = os.umask(0o022)
    try:
        page = player.to_html(tmp_path / "page.html")
    finally:
        os.umask(old)
    assert page.stat().st_mode & 0o777 == 0o644
