"""Engine test fixtures: tiny VIBE checkpoints written by the tests, isolated offline caches."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from vibe_widgets.engine.config import VIBEConfig
from vibe_widgets.engine.model import VIBEModel

# Small widths, but the real atlas size: outputs are still 1000 parcels.
TINY = {
    "modality_fusion_transformer_dim": 16,
    "modality_fusion_transformer_num_heads": 2,
    "predictor_transformer_num_heads": 2,
    "predictor_transformer_num_layers": 1,
    "audio_extractor_feature_size": 8,
    "text_extractor_feature_size": 12,
    "video_extractor_feature_size": 5,
    "video_extractor_pool_size": 2,
}
COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(autouse=True)
def engine_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """Per-test caches, offline by default: no test may reach the network or the user's caches."""
    env = SimpleNamespace(cache=tmp_path / "vibe-cache", hf_cache=tmp_path / "hf-hub")
    monkeypatch.setenv("VIBE_WIDGETS_CACHE", str(env.cache))
    monkeypatch.setenv("HF_HUB_CACHE", str(env.hf_cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return env


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any attempt to open a network connection fail loudly."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture
def tiny_config() -> VIBEConfig:
    return VIBEConfig(**TINY)


def _build(config: VIBEConfig, seed: int) -> VIBEModel:
    torch.manual_seed(seed)
    model = VIBEModel(config).eval()
    with torch.no_grad():
        # Distinct subject rows, so that a wrong row changes the output visibly.
        model.encoder.subject_embeddings.weight.normal_(0.0, 3.0)
    return model


@pytest.fixture
def save_variant() -> Callable[..., dict[str, torch.Tensor]]:
    """Write ``config.json`` + ``model.safetensors`` of a seeded tiny network into a folder.

    Returns the state dict as saved (before any key mangling) so tests can rebuild the net.
    """

    def save(
        folder: Path,
        config: VIBEConfig,
        seed: int = 0,
        *,
        prefix: str = "",
        extra: dict[str, torch.Tensor] | None = None,
        dtype: torch.dtype | None = None,
    ) -> dict[str, torch.Tensor]:
        folder.mkdir(parents=True, exist_ok=True)
        state = {k: v.contiguous() for k, v in _build(config, seed).state_dict().items()}
        stored = {prefix + k: (v.to(dtype) if dtype else v) for k, v in state.items()}
        stored.update(extra or {})
        save_file(stored, str(folder / "model.safetensors"))
        config.to_json(folder / "config.json")
        return state

    return save


@pytest.fixture
def network_from() -> Callable[[VIBEConfig, dict[str, torch.Tensor]], VIBEModel]:
    """A reference network holding the given state dict (built the plain way, no loader)."""

    def build(config: VIBEConfig, state: dict[str, torch.Tensor]) -> VIBEModel:
        model = VIBEModel(config).eval()
        model.load_state_dict(state, strict=True)
        return model

    return build


@pytest.fixture
def fill_hf_cache(
    engine_env: SimpleNamespace, save_variant: Callable[..., dict[str, torch.Tensor]]
) -> Callable[..., dict[str, torch.Tensor]]:
    """Pre-fill the Hugging Face cache with a repo, in the hub's own layout."""

    def fill(repo_id: str, config: VIBEConfig, seed: int = 0) -> dict[str, torch.Tensor]:
        repo = engine_env.hf_cache / ("models--" + repo_id.replace("/", "--"))
        (repo / "refs").mkdir(parents=True, exist_ok=True)
        (repo / "refs" / "main").write_text(COMMIT)
        return save_variant(repo / "snapshots" / COMMIT, config, seed)

    return fill


@pytest.fixture
def write_listing(engine_env: SimpleNamespace) -> Callable[[dict[str, VIBEConfig]], Path]:
    """Store a variant listing, as get_model_variants leaves it after an online call."""

    def write(variants: dict[str, VIBEConfig]) -> Path:
        folder = engine_env.cache / "hub"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "variants-ShreyDixit--vibe.json"
        entries = [{"repo_id": r, "config": c.to_dict()} for r, c in variants.items()]
        path.write_text(json.dumps({"collection": "ShreyDixit/vibe", "variants": entries}))
        return path

    return write


@pytest.fixture
def make_features() -> Callable[..., dict[str, np.ndarray]]:
    """Random features of the right widths: {"audio", "text", "video"} -> (n_tr, d)."""

    def make(config: VIBEConfig, n_tr: int = 6, seed: int = 0) -> dict[str, np.ndarray]:
        rng = np.random.default_rng(seed)
        return {k: rng.standard_normal((n_tr, d)) for k, d in config.input_dims.items()}

    return make


@pytest.fixture
def reference_forward() -> Callable[..., torch.Tensor]:
    """The network's own forward on features for one embedding row: shape (n_tr, num_rois)."""

    def forward(model: VIBEModel, features: dict[str, np.ndarray], row: int) -> torch.Tensor:
        inputs = {k: torch.as_tensor(v, dtype=torch.float32)[None] for k, v in features.items()}
        with torch.no_grad():
            return model(inputs, torch.tensor([row]))[0]

    return forward
