"""`python -m vibe_widgets demo` (what `make demo` runs): the offline pages a newcomer opens."""

from __future__ import annotations

from pathlib import Path

from vibe_widgets.__main__ import main


def test_demo_writes_the_player_and_explorer_pages(tmp_path: Path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    for name in ("video_player.html", "explorer.html"):
        page = tmp_path / name
        # The video proxy and the bundles are inlined (that the page works with the network
        # blocked is proven in chromium by tests/browser/test_explorer_html.py).
        assert page.stat().st_size > 1_000_000
    # The Explorer page carries the variant's label in its banner, and the command says
    # where the page and the tutorials are.
    import vibe_widgets as vw

    label = vw.get_encoding_model(vw.MODEL_ID, subject=1, model_variant="demo").label
    assert label in (tmp_path / "explorer.html").read_text(encoding="utf-8")
    assert f"file://{(tmp_path / 'explorer.html').resolve()}" in printed
    assert "notebooks/01_quickstart.ipynb" in printed
