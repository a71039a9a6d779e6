"""The offline demo variant: tiny real extractors and a small VIBE network, generated on first use.

It takes the same path as a published variant (a folder with ``config.json`` and
``model.safetensors``, extractor folders loaded with ``from_pretrained``). The extractors
have random, seeded weights (every machine generates the same files); the VIBE network's
weights ship as package data (``vibe_widgets/data/demo_variant/``), fitted by
``scripts/fit_demo_variant.py`` to responses *simulated* from the sample clip's visual
change, sound and words (`vibe_widgets.engine.demo.simulate`). It is not a brain model:
its label and model card, carried in the folder, say so wherever the variant is shown.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from importlib import resources
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from vibe_widgets.engine.config import VIBEConfig
from vibe_widgets.engine.features.pipeline import transformers_progress
from vibe_widgets.engine.paths import cache_subdir

__all__ = [
    "DEMO_LABEL",
    "DEMO_VARIANT_NAME",
    "UNTRAINED_DEMO_LABEL",
    "demo_config",
    "ensure_demo_variant",
    "extractor_fingerprint",
    "variant_label",
    "variant_subjects",
    "write_demo_variant",
]

DEMO_VARIANT_NAME = "demo"
DEMO_LABEL = "demo: fitted to simulated responses"
UNTRAINED_DEMO_LABEL = "demo: untrained weights"
"""Label of a demo folder with a random network (what the fitting script starts from)."""
# Bump when anything generated changes: a new folder is made instead of reusing the old one.
_DEMO_VERSION = "3"
_EXTRACTORS = ("text_extractor", "audio_extractor", "video_extractor")
_SEED = 20250723
# Key of the package's own block in config.json; VIBEConfig ignores unknown keys.
_LABEL_KEY = "vibe_widgets"


def demo_config() -> VIBEConfig:
    """The demo variant's config: the published layout at a size a laptop runs in seconds."""
    return VIBEConfig(
        modality_fusion_transformer_dim=64,
        modality_fusion_transformer_num_heads=4,
        # "mean" fusion keeps the predictor at 64 wide: 8x less compute than "concat", and a
        # network small enough (0.3 M parameters) to fit on simulated data without overfitting
        # ("concat" was tried: 7 MB of weights and no better on the visual drive).
        modality_fusion_transformer_fuse_mode="mean",
        predictor_transformer_num_heads=4,
        # 4 layers, not 2: over TRs the network has to compare each TR's video features with
        # the previous TR's (visual change is not in one TR's features) and delay that by the
        # HRF. 4 layers doubled the held-out fit of the sound and word drives; the visual one
        # is still not learnt (docs/fitting.md).
        predictor_transformer_num_layers=4,
        text_extractor="./text_extractor",
        text_extractor_feature_size=64,
        text_extractor_dtype=torch.float32,
        video_extractor="./video_extractor",
        video_extractor_feature_size=32,
        video_extractor_dtype=torch.float32,
        # 16 frames over 3.2 s (0.2 s apart; the published pipeline takes 64 over 16 s). A
        # tubelet's motion filters see a cut only between its own two frames. With 16 frames
        # over 16 s, and with 0.25 s spacing (tried), a cut at a TR onset (the sample clip's
        # scene changes) fell between two tubelets and never reached them; at 0.2 s it falls
        # inside one.
        video_extractor_chunk_length_seconds=3.2,
        audio_extractor="./audio_extractor",
        audio_extractor_feature_size=64,
    )


def variant_label(config_path: str | os.PathLike) -> str | None:
    """The label a variant's ``config.json`` carries (e.g. ``"demo: fitted to simulated ..."``)."""
    try:
        data = json.loads(Path(config_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    block = data.get(_LABEL_KEY) if isinstance(data, dict) else None
    return block.get("label") if isinstance(block, dict) else None


def variant_subjects(config_path: str | os.PathLike) -> dict[int, int] | None:
    """Subject id -> embedding row, as `vibe_widgets.engine.training.fit` records it.

    Read from ``config.json``'s ``"vibe_widgets": {"subjects": {"7": 4, ...}}``; None when
    the block has no map (published variants: ids 1, 2, 3, 5 are rows 0-3).

    Raises
    ------
    ModelLoadError
        When the map is there but is not string-of-int keys to non-negative int rows.
    """
    from vibe_widgets.errors import ModelLoadError

    try:
        data = json.loads(Path(config_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    block = data.get(_LABEL_KEY) if isinstance(data, dict) else None
    mapping = block.get("subjects") if isinstance(block, dict) else None
    if mapping is None:
        return None
    try:
        rows = {int(k): v for k, v in dict(mapping).items()}
        if not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in rows.values()
        ):
            raise ValueError
    except (TypeError, ValueError):
        raise ModelLoadError(
            f"'{config_path}' has a malformed vibe_widgets.subjects map {mapping!r}: expected "
            'subject ids to embedding rows, such as {"1": 0, "7": 4}. Fix or remove that entry.'
        ) from None
    return rows


def _fitted_files() -> tuple[Path, dict] | None:
    """The shipped fitted network and its record (``fit.json``), or None if not shipped."""
    folder = resources.files("vibe_widgets").joinpath("data", "demo_variant")
    weights, record = folder.joinpath("model.safetensors"), folder.joinpath("fit.json")
    if not (weights.is_file() and record.is_file()):
        return None
    return Path(str(weights)), json.loads(record.read_text(encoding="utf-8"))


def extractor_fingerprint(folder: str | os.PathLike) -> str:
    """SHA-256 over the tensors of a demo folder's three extractors (names, dtypes, values).

    The fitted network only makes sense on the features of the extractors it was fitted
    with; this detects a torch or transformers version that initialises them differently.
    """
    h = hashlib.sha256()
    for name in _EXTRACTORS:
        state = load_file(str(Path(folder) / name / "model.safetensors"))
        for key in sorted(state):
            h.update(f"{name}/{key}/{state[key].dtype}".encode())
            h.update(state[key].float().contiguous().numpy().tobytes())
    return h.hexdigest()


def write_demo_variant(folder: str | os.PathLike, *, fitted: bool = True) -> Path:
    """Write a demo variant folder: seeded extractors and the VIBE network.

    Parameters
    ----------
    folder : path-like
        Created if needed.
    fitted : bool
        Use the shipped fitted network (label `DEMO_LABEL`); with False, or when the
        package data is missing, a seeded random network (label `UNTRAINED_DEMO_LABEL`),
        the starting point of ``scripts/fit_demo_variant.py``.

    Returns
    -------
    pathlib.Path
        The folder.
    """
    from vibe_widgets.engine.demo.audio_model import build_tiny_audio_extractor
    from vibe_widgets.engine.demo.text_model import build_tiny_text_extractor
    from vibe_widgets.engine.demo.video_model import build_tiny_video_extractor
    from vibe_widgets.engine.model import VIBEModel

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = demo_config()
    build_tiny_text_extractor(folder / "text_extractor", seed=_SEED, hidden_size=64)
    build_tiny_audio_extractor(folder / "audio_extractor", seed=_SEED + 1, hidden_size=32)
    build_tiny_video_extractor(
        folder / "video_extractor",
        seed=_SEED + 2,
        hidden_size=32,
        crop_size=32,
        frames_per_clip=16,
        motion_filters=True,
        motion_energy=True,
    )
    shipped = _fitted_files() if fitted else None
    block = {"kind": "demo", "version": _DEMO_VERSION, "seed": _SEED}
    if shipped is None:
        torch.manual_seed(_SEED + 3)
        network = VIBEModel(config)
        save_file(
            {k: v.contiguous() for k, v in network.state_dict().items()},
            folder / "model.safetensors",
        )
        block |= {
            "label": UNTRAINED_DEMO_LABEL,
            "note": "Random weights generated by vibe-widgets; not fitted to any data.",
        }
        card = (
            "# vibe-widgets demo variant (untrained)\n\n"
            "Generated by `vibe_widgets.engine.demo.variant`. Same file layout as a published "
            "VIBE variant, with tiny Qwen2 / AST / V-JEPA 2 extractors and a small VIBE "
            "network. **All weights are random (seeded): its predictions mean nothing.**\n"
        )
    else:
        weights, record = shipped
        shutil.copyfile(weights, folder / "model.safetensors")
        block |= {
            "label": DEMO_LABEL,
            "simulated": True,
            "note": "Fitted to SIMULATED responses, not to brain data; see README.md.",
            "fit": record.get("metrics", {}),
        }
        card = (
            resources.files("vibe_widgets")
            .joinpath("data", "demo_variant", "README.md")
            .read_text(encoding="utf-8")
        )
        expected = record.get("extractor_fingerprint")
        if expected and extractor_fingerprint(folder) != expected:
            warnings.warn(
                "The demo extractors generated here differ from those the shipped demo network "
                "was fitted with (another torch or transformers version initialises them "
                "differently), so its predictions will not track the simulated drives. "
                "Re-run scripts/fit_demo_variant.py with this environment to refit it.",
                stacklevel=2,
            )
    data = config.to_dict()
    data[_LABEL_KEY] = block
    (folder / "config.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    (folder / "README.md").write_text(card, encoding="utf-8")
    return folder


def ensure_demo_variant(cache_dir: str | os.PathLike | None = None) -> Path:
    """The demo variant's folder, generated into the cache on first use (a few seconds).

    Generation happens in a temporary folder that is renamed into place, so concurrent
    first uses from several processes all end with one complete folder.
    """
    parent = cache_subdir("demo-variant", cache_dir)
    shipped = _fitted_files()
    # The shipped weights' digest names the folder: a refit never reuses an old folder.
    tag = "untrained" if shipped is None else shipped[1]["weights_sha256"][:12]
    folder = parent / f"v{_DEMO_VERSION}-{tag}"
    if (folder / "model.safetensors").is_file() and (folder / "config.json").is_file():
        return folder
    if folder.exists():
        # Left incomplete by an interrupted older version of this code: rebuild it.
        shutil.rmtree(folder, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(dir=parent, prefix=".building-"))
    try:
        with transformers_progress(False):
            write_demo_variant(tmp)
        try:
            os.replace(tmp, folder)
        except OSError:
            # Another process finished first (the target exists and is not empty): use theirs.
            if not (folder / "model.safetensors").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder
