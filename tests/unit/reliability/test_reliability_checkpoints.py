"""Checkpoints and variants: missing files, wrong keys and shapes, damaged safetensors,
pickles refused without being opened, and offline loads that fail fast and say what to fetch.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

import vibe_widgets as vw
from vibe_widgets.engine.demo.variant import ensure_demo_variant
from vibe_widgets.engine.hub import resolve_variant
from vibe_widgets.engine.model import read_state_dict

MID = vw.MODEL_ID


class _Trap:
    """Unpickling this writes a marker file: proof that a pickle was opened."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (Path.write_text, (Path(self.marker), "unpickled"))


@pytest.fixture
def variant(tmp_path: Path) -> Path:
    """A copy of the demo variant's folder (config.json + model.safetensors) to damage."""
    folder = tmp_path / "variant"
    shutil.copytree(ensure_demo_variant(), folder)
    return folder


def _load(folder: Path):
    return vw.get_encoding_model(MID, subject=1, model_variant=folder, device="cpu")


def test_the_intact_copy_loads(variant: Path):
    assert _load(variant).n_outputs == 1000


@pytest.mark.parametrize("name", ["pytorch_model.bin", "model.pt", "model.ckpt", "model.pkl"])
def test_a_pickle_offered_as_the_checkpoint_is_refused_unopened(
    variant: Path, tmp_path: Path, name: str
):
    marker = tmp_path / "marker"
    (variant / "model.safetensors").unlink()
    torch.save({"weights": _Trap(marker)}, variant / name)
    with pytest.raises(vw.ModelLoadError, match=rf"only pickle-based checkpoints \['{name}'\]"):
        _load(variant)
    assert not marker.exists()
    # Named directly, as a file, it is refused just the same.
    with pytest.raises(vw.ModelLoadError, match=r"pickle-based checkpoints are never loaded"):
        _load(variant / name)
    assert not marker.exists()


def test_a_pickle_renamed_to_safetensors_is_refused_unopened(variant: Path, tmp_path: Path):
    marker = tmp_path / "marker"
    torch.save({"weights": _Trap(marker)}, variant / "model.safetensors")
    with pytest.raises(vw.ModelLoadError, match=r"is not a valid safetensors file"):
        _load(variant)
    assert not marker.exists()


def test_missing_weights_and_missing_config_are_named(variant: Path):
    (variant / "model.safetensors").unlink()
    with pytest.raises(vw.ModelLoadError, match=r"lacks model\.safetensors: it must hold"):
        _load(variant)
    (variant / "config.json").unlink()
    with pytest.raises(vw.ModelLoadError, match=r"lacks model\.safetensors"):
        _load(variant)


def test_missing_config_is_named(variant: Path):
    (variant / "config.json").unlink()
    with pytest.raises(vw.ModelLoadError, match=r"lacks config\.json"):
        _load(variant)


@pytest.mark.parametrize(
    ("damage", "pattern"),
    [
        ("drop-key", r"1 missing keys: output_head\.weight"),
        ("extra-key", r"1 unexpected keys: stray\.weight"),
        ("wrong-shape", r"shape differences: output_head\.weight: checkpoint \(999, \d+\)"),
        ("truncated", r"is not a valid safetensors file"),
        ("header-lies", r"is not a valid safetensors file"),
        ("empty", r"is not a valid safetensors file"),
    ],
)
def test_damaged_checkpoints_are_named_with_what_is_wrong(variant: Path, damage, pattern):
    path = variant / "model.safetensors"
    state = load_file(path)
    if damage == "drop-key":
        del state["output_head.weight"]
    elif damage == "extra-key":
        state["stray.weight"] = torch.zeros(2)
    elif damage == "wrong-shape":
        state["output_head.weight"] = state["output_head.weight"][:999].clone()
    if damage in ("drop-key", "extra-key", "wrong-shape"):
        save_file(state, str(path))
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "header-lies":  # a header length of 2**60 bytes
        path.write_bytes((2**60).to_bytes(8, "little") + path.read_bytes()[8:])
    else:
        path.write_bytes(b"")
    with pytest.raises(vw.ModelLoadError, match=pattern) as info:
        _load(variant)
    assert "model.safetensors" in str(info.value)


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        ("{not json", r"Cannot read the VIBE config '.*config\.json'"),
        ("[1, 2]", r"Invalid VIBE config .*must be a JSON object, got list"),
        ('{"num_rois": "many"}', r"Invalid VIBE config .*num_rois='many' is invalid"),
        ('{"tr": NaN}', r"Invalid VIBE config .*tr=nan is invalid"),
    ],
)
def test_damaged_configs_are_named(variant: Path, content: str, pattern: str):
    (variant / "config.json").write_text(content)
    with pytest.raises(vw.ModelLoadError, match=pattern):
        _load(variant)


def test_read_state_dict_refuses_other_suffixes_before_reading(tmp_path: Path):
    marker = tmp_path / "marker"
    path = tmp_path / "weights.bin"
    torch.save({"w": _Trap(marker)}, path)
    with pytest.raises(vw.ModelLoadError, match=r"only '\.safetensors' checkpoints are loaded"):
        read_state_dict(path)
    assert not marker.exists()


def test_trust_remote_code_is_off_unless_asked_for(demo_model):
    assert demo_model.pipeline.trust_remote_code is False
    on = vw.get_encoding_model(
        MID, subject=1, model_variant="demo", device="cpu", trust_remote_code=True
    )
    assert on.pipeline.trust_remote_code is True


OFFLINE_PROBE = """
import json, sys, time
import vibe_widgets as vw
started = time.perf_counter()
try:
    vw.get_encoding_model(vw.MODEL_ID, subject=1, model_variant=sys.argv[1])
    outcome = "loaded"
except vw.VibeError as error:
    outcome = f"{type(error).__name__}: {error}"
print(json.dumps({"seconds": time.perf_counter() - started, "outcome": outcome}))
"""


@pytest.mark.parametrize("how", ["HF_HUB_OFFLINE=1", "no network"])
def test_an_uncached_variant_fails_fast_and_names_the_files_to_fetch(tmp_path: Path, how):
    env = {
        **os.environ,
        "HF_HUB_CACHE": str(tmp_path / "hf"),
        "VIBE_WIDGETS_CACHE": str(tmp_path / "cache"),
    }
    env.pop("HF_HUB_OFFLINE", None)
    if how == "HF_HUB_OFFLINE=1":
        env["HF_HUB_OFFLINE"] = "1"
    else:
        # Every connection is refused at once, as on a machine whose network is down.
        env.update(HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9")
    # The timeout is a hang guard; hf_hub_download's own retries took ~24 s here before.
    result = subprocess.run(
        [sys.executable, "-c", OFFLINE_PROBE, "ShreyDixit/VIBE-Qwen2.5-14B"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["outcome"].startswith("ModelLoadError: ")
    assert "'ShreyDixit/VIBE-Qwen2.5-14B'" in report["outcome"]
    assert "hf download ShreyDixit/VIBE-Qwen2.5-14B config.json model.safetensors" in (
        report["outcome"]
    )
    print(f"\n{how}: failed in {report['seconds']:.2f} s")
    # Well under hf_hub_download's retry schedule (1+2+4+8+8 s), not a speed benchmark.
    assert report["seconds"] < 15


def test_everything_cached_works_offline(demo_model, clip):
    responses = vw.encode(demo_model, clip.transcripts, clip.video_path, show_progress=False)
    assert responses.shape == (30, 1000)
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert resolve_variant("demo").source == "registered"
