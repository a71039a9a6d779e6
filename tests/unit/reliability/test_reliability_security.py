"""Security of what leaves the kernel: exported pages hold no local paths or tokens and
keep user text inert, and making a proxy or a page reads only the files the user named.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import vibe_widgets as vw

REPO = Path(__file__).resolve().parents[3]
FAKE_TOKEN = "hf_FAKEtokenFAKEtokenFAKEtoken0123456789"
INJECTIONS = [
    "</script><script>window.__pwned = 1</script>",
    '<img src=x onerror="window.__pwned=1">',
    "<!-- --><svg/onload=alert(1)>",
    "\u2028\u2029 line separators, ]]> and {{template}} ${literal}",
]


@pytest.fixture
def page(tmp_path: Path, clip, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
    monkeypatch.setenv("HUGGING_FACE_HUB_TOKEN", FAKE_TOKEN)
    movie = tmp_path / "private-folder" / "my-movie.mp4"
    movie.parent.mkdir()
    shutil.copy(clip.video_path, movie)
    lines = (INJECTIONS * 8)[: len(clip.transcripts)]
    responses = np.random.default_rng(0).standard_normal((30, 1000)).astype(np.float32)
    views = [
        vw.VideoPlayer(movie),
        vw.TranscriptEditor(lines),
        vw.GlassBrain(responses),
        vw.NetworkTimecourse(responses, title=INJECTIONS[0]),
    ]
    vw.link(*views)
    out = vw.export_html(views, tmp_path / "out" / "page.html", title=INJECTIONS[1])
    return out.read_text(encoding="utf-8")


def test_exported_page_holds_no_local_paths_or_tokens(page: str, tmp_path: Path):
    for secret in (
        str(tmp_path),
        "private-folder",
        str(Path.home()),
        str(REPO),
        os.environ["VIBE_WIDGETS_CACHE"],
        FAKE_TOKEN,
        "hf_FAKE",
    ):
        assert secret not in page, secret
    assert "my-movie.mp4" in page  # the file's name is shown, never where it lives


def test_user_text_never_becomes_markup_in_the_page(page: str):
    # Only the page's own script elements close: 3 inlined libraries, the widget state
    # and one view per widget. An injected "</script>" would add one.
    assert page.count("</script>") == 3 + 1 + 4
    assert "window.__pwned" in page  # the text is there ...
    assert "</script><script>window.__pwned" not in page  # ... but never as live markup
    assert (
        '<img src=x onerror="window.__pwned=1">'
        not in page.split("<title>")[1].split("</title>")[0]
    )
    assert "&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;" in page  # the title, escaped
    # Every state and view block (each starts a line; the inlined libraries may mention
    # the same tag inside their code) parses back to JSON: nothing broke out of it.
    blocks = re.findall(
        r'^<script type="application/vnd\.jupyter[^"]*">(.*?)</script>', page, re.S | re.M
    )
    assert len(blocks) == 1 + 4
    states = json.loads(blocks[0])["state"].values()
    saved = [m["state"]["transcripts"] for m in states if "transcripts" in m["state"]]
    assert saved == [(INJECTIONS * 8)[:30]]  # the text itself arrives intact


AUDIT = r"""
import json, os, sys
from pathlib import Path
import vibe_widgets as vw
from vibe_widgets.engine import media
user = Path(sys.argv[1])
opened = []
sys.addaudithook(lambda event, args: opened.append(str(args[0]))
                 if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)) else None)
player = vw.VideoPlayer(user / "movie.mp4")
media.make_browser_proxy(user / "movie.mp4", user / "proxy.mp4")
vw.export_html([player, vw.TranscriptEditor(["see ../decoy.txt", "/etc/passwd"])],
               user / "page.html")
print(json.dumps(opened))
"""


def test_proxy_and_export_read_only_the_files_named(tmp_path: Path, clip):
    user = tmp_path / "user"
    user.mkdir()
    shutil.copy(clip.video_path, user / "movie.mp4")
    (user / "decoy.txt").write_text("must not be read")
    (user / "movie.srt").write_text("a subtitle file next to the movie: not asked for")
    env = {**os.environ, "VIBE_WIDGETS_CACHE": str(tmp_path / "cache")}
    result = subprocess.run(
        [sys.executable, "-c", AUDIT, str(user)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    opened = {Path(os.fsdecode(p)).resolve() for p in json.loads(result.stdout.splitlines()[-1])}
    in_user = {
        p.relative_to(user.resolve()).as_posix() for p in opened if user.resolve() in p.parents
    }
    # The movie, the outputs asked for, and their temporary files renamed into place.
    allowed = re.compile(r"movie\.mp4|proxy\.mp4|page\.html|\.proxy-\w+\.mp4|\.export-\w+\.html")
    assert {p for p in in_user if not allowed.fullmatch(p)} == set()
    assert "movie.mp4" in in_user
    # Outside it: only the cache, the installed packages and system files.
    roots = [tmp_path / "cache", Path(sys.prefix), Path(sys.base_prefix), REPO / "vibe_widgets"]
    roots = [r.resolve() for r in roots] + [
        Path(p) for p in ("/dev", "/proc", "/sys", "/etc", "/usr")
    ]
    strays = {
        p
        for p in opened
        if user.resolve() not in p.parents and not any(r == p or r in p.parents for r in roots)
    }
    assert strays == set()


def test_a_page_holds_only_the_widgets_exported(tmp_path: Path):
    # Other live widgets of the kernel (another movie, another transcript) stay out of it.
    other = vw.TranscriptEditor(["a private note in another view"])
    shown = vw.TranscriptEditor(["the exported line"])
    page = vw.export_html([shown], tmp_path / "one.html").read_text(encoding="utf-8")
    assert "the exported line" in page
    assert "a private note in another view" not in page
    assert other.model_id not in page
