"""The VIBE network: published state-dict layout, forward semantics, strict safetensors loading."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import pickle
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file
from x_transformers import Encoder

from vibe_widgets.engine.config import VIBEConfig
from vibe_widgets.engine.model import VIBEModel, load_vibe_model, read_state_dict
from vibe_widgets.errors import ModelLoadError

# The layout of the published checkpoints, for the tiny config with 2 predictor layers
# (fusion dim 16, concat -> fused 64, 2 heads of 32). A change in torch or x-transformers
# that renames or reshapes any of these breaks loading of the real variants.
EXPECTED_LAYOUT = [
    ("pre_tokens", (0, 64)),
    ("encoder.projections.audio.0.weight", (16, 8)),
    ("encoder.projections.audio.0.bias", (16,)),
    ("encoder.projections.text.0.weight", (16, 12)),
    ("encoder.projections.text.0.bias", (16,)),
    ("encoder.projections.video.0.weight", (16, 20)),
    ("encoder.projections.video.0.bias", (16,)),
    ("encoder.subject_embeddings.weight", (5, 16)),
    ("encoder.transformer.layers.0.self_attn.in_proj_weight", (48, 16)),
    ("encoder.transformer.layers.0.self_attn.in_proj_bias", (48,)),
    ("encoder.transformer.layers.0.self_attn.out_proj.weight", (16, 16)),
    ("encoder.transformer.layers.0.self_attn.out_proj.bias", (16,)),
    ("encoder.transformer.layers.0.linear1.weight", (64, 16)),
    ("encoder.transformer.layers.0.linear1.bias", (64,)),
    ("encoder.transformer.layers.0.linear2.weight", (16, 64)),
    ("encoder.transformer.layers.0.linear2.bias", (16,)),
    ("encoder.transformer.layers.0.norm1.weight", (16,)),
    ("encoder.transformer.layers.0.norm1.bias", (16,)),
    ("encoder.transformer.layers.0.norm2.weight", (16,)),
    ("encoder.transformer.layers.0.norm2.bias", (16,)),
    ("predictor.layers.0.0.0.g", (1,)),
    ("predictor.layers.0.1.to_q.weight", (64, 64)),
    ("predictor.layers.0.1.to_k.weight", (64, 64)),
    ("predictor.layers.0.1.to_v.weight", (64, 64)),
    ("predictor.layers.0.1.to_out.weight", (64, 64)),
    ("predictor.layers.1.0.0.g", (1,)),
    ("predictor.layers.1.1.ff.0.0.weight", (256, 64)),
    ("predictor.layers.1.1.ff.0.0.bias", (256,)),
    ("predictor.layers.1.1.ff.2.weight", (64, 256)),
    ("predictor.layers.1.1.ff.2.bias", (64,)),
    ("predictor.layers.2.0.0.g", (1,)),
    ("predictor.layers.2.1.to_q.weight", (64, 64)),
    ("predictor.layers.2.1.to_k.weight", (64, 64)),
    ("predictor.layers.2.1.to_v.weight", (64, 64)),
    ("predictor.layers.2.1.to_out.weight", (64, 64)),
    ("predictor.layers.3.0.0.g", (1,)),
    ("predictor.layers.3.1.ff.0.0.weight", (256, 64)),
    ("predictor.layers.3.1.ff.0.0.bias", (256,)),
    ("predictor.layers.3.1.ff.2.weight", (64, 256)),
    ("predictor.layers.3.1.ff.2.bias", (64,)),
    ("predictor.rotary_pos_emb.inv_freq", (16,)),
    ("predictor.final_norm.g", (1,)),
    ("output_head.weight", (1000, 64)),
]


def _layout(model: torch.nn.Module) -> list[tuple[str, tuple[int, ...]]]:
    return [(k, tuple(v.shape)) for k, v in model.state_dict().items()]


def test_state_dict_layout_is_the_published_one(tiny_config: VIBEConfig) -> None:
    config = dataclasses.replace(tiny_config, predictor_transformer_num_layers=2)
    assert _layout(VIBEModel(config)) == EXPECTED_LAYOUT


def test_predictor_is_x_transformers_rotary_scalenorm_encoder(tiny_config: VIBEConfig) -> None:
    model = VIBEModel(tiny_config)
    assert type(model.predictor) is Encoder
    assert model.predictor.causal is False
    assert model.predictor.rotary_pos_emb is not None
    assert model.predictor.attn_dim_head == 32
    assert type(model.predictor.final_norm).__name__ == "ScaleNorm"
    assert model.output_head.bias is None
    # The pinned range in pyproject.toml (x-transformers>=2.0,<3) is what this layout is for.
    assert importlib.metadata.version("x-transformers").split(".")[0] == "2"


def test_mean_fuse_mode_has_fused_width_dim(tiny_config: VIBEConfig) -> None:
    config = dataclasses.replace(tiny_config, modality_fusion_transformer_fuse_mode="mean")
    layout = dict(_layout(VIBEModel(config)))
    assert layout["pre_tokens"] == (0, 16)
    assert layout["output_head.weight"] == (1000, 16)
    assert layout["predictor.layers.0.1.to_q.weight"] == (16, 16)
    assert layout["predictor.rotary_pos_emb.inv_freq"] == (4,)


def test_multi_layer_projection_widths_follow_linspace(tiny_config: VIBEConfig) -> None:
    config = dataclasses.replace(
        tiny_config,
        modality_fusion_transformer_num_projection_layers=3,
        text_extractor_feature_size=100,
    )
    text = VIBEModel(config).encoder.projections["text"]
    # linspace(100, 16, 4, dtype=int) = [100, 72, 44, 16], LeakyReLU between the Linears.
    assert [type(m).__name__ for m in text] == [
        "Linear",
        "LeakyReLU",
        "Linear",
        "LeakyReLU",
        "Linear",
    ]
    assert [(m.in_features, m.out_features) for m in text[::2]] == [(100, 72), (72, 44), (44, 16)]


def test_default_network_has_0_63_billion_parameters() -> None:
    with torch.device("meta"):
        model = VIBEModel(VIBEConfig())
    assert sum(p.numel() for p in model.parameters()) == 633_324_551
    assert model.pre_tokens.shape == (0, 4096)


@pytest.mark.parametrize("fuse_mode", ["concat", "mean"])
def test_forward_shape_and_bidirectional_context(tiny_config: VIBEConfig, fuse_mode: str) -> None:
    config = dataclasses.replace(tiny_config, modality_fusion_transformer_fuse_mode=fuse_mode)
    torch.manual_seed(0)
    model = VIBEModel(config).eval()
    inputs = {k: torch.randn(2, 7, d) for k, d in config.input_dims.items()}
    with torch.no_grad():
        out = model(inputs, torch.tensor([0, 3]))
        assert out.shape == (2, 7, 1000)
        # Change only the last TR: the first TR's prediction changes too (no causal mask).
        changed = {k: v.clone() for k, v in inputs.items()}
        changed["audio"][:, -1] += 5.0
        out2 = model(changed, torch.tensor([0, 3]))
    assert not torch.allclose(out[:, 0], out2[:, 0])


def test_tokens_are_fused_per_tr(tiny_config: VIBEConfig) -> None:
    torch.manual_seed(0)
    model = VIBEModel(tiny_config).eval()
    inputs = {k: torch.randn(1, 5, d) for k, d in tiny_config.input_dims.items()}
    with torch.no_grad():
        fused = model.encoder(inputs, torch.tensor([1]))
        # Fusion of TR 2 alone equals TR 2 of the clip: no mixing across TRs before the predictor.
        alone = model.encoder({k: v[:, 2:3] for k, v in inputs.items()}, torch.tensor([1]))
    assert fused.shape == (1, 5, 64)
    torch.testing.assert_close(fused[:, 2:3], alone)


def _save(folder: Path, config: VIBEConfig, state: dict[str, torch.Tensor]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in state.items()}, str(folder / "model.safetensors"))
    return folder / "model.safetensors"


def _outputs(model: VIBEModel, config: VIBEConfig) -> torch.Tensor:
    gen = torch.Generator().manual_seed(1)
    inputs = {k: torch.randn(1, 4, d, generator=gen) for k, d in config.input_dims.items()}
    with torch.no_grad():
        return model(inputs, torch.tensor([2]))


def test_loading_strips_module_prefix_and_drops_n_averaged(tmp_path, tiny_config) -> None:
    torch.manual_seed(3)
    source = VIBEModel(tiny_config).eval()
    state = {"module." + k: v for k, v in source.state_dict().items()}
    state["n_averaged"] = torch.tensor(7)
    path = _save(tmp_path, tiny_config, state)
    assert set(read_state_dict(path)) == set(source.state_dict())
    loaded = load_vibe_model(tiny_config, path)
    assert not loaded.training
    assert all(p.dtype == torch.float32 and p.device.type == "cpu" for p in loaded.parameters())
    torch.testing.assert_close(_outputs(loaded, tiny_config), _outputs(source, tiny_config))


def test_half_precision_checkpoints_load_as_float32(tmp_path, tiny_config) -> None:
    torch.manual_seed(3)
    source = VIBEModel(tiny_config).eval()
    path = _save(tmp_path, tiny_config, {k: v.half() for k, v in source.state_dict().items()})
    loaded = load_vibe_model(tiny_config, path)
    assert loaded.output_head.weight.dtype == torch.float32
    torch.testing.assert_close(loaded.output_head.weight, source.output_head.weight.half().float())


def test_missing_and_unexpected_keys_are_listed(tmp_path, tiny_config) -> None:
    state = VIBEModel(tiny_config).state_dict()
    del state["output_head.weight"]
    state["encoder.extra.weight"] = torch.zeros(2)
    path = _save(tmp_path, tiny_config, state)
    with pytest.raises(ModelLoadError) as info:
        load_vibe_model(tiny_config, path)
    message = str(info.value)
    assert "1 missing keys: output_head.weight" in message
    assert "1 unexpected keys: encoder.extra.weight" in message
    assert "model.safetensors" in message


def test_shape_differences_are_listed_first_five(tmp_path, tiny_config) -> None:
    # A checkpoint of a wider network: every fusion tensor differs; five are named.
    wider = dataclasses.replace(tiny_config, modality_fusion_transformer_dim=32)
    path = _save(tmp_path, tiny_config, VIBEModel(wider).state_dict())
    with pytest.raises(ModelLoadError) as info:
        load_vibe_model(tiny_config, path)
    message = str(info.value)
    assert "shape differences: pre_tokens: checkpoint (0, 128) vs model (0, 64)" in message
    assert "encoder.projections.audio.0.weight: checkpoint (32, 8) vs model (16, 8)" in message
    assert "more)" in message
    assert message.count("checkpoint (") == 5


def _booby_trapped_pickle(path: Path, marker: Path) -> None:
    """A real torch.save file that creates ``marker`` if anything ever unpickles it."""

    class Trap:
        def __reduce__(self):
            return (Path.touch, (marker,))

    torch.save({"weights": torch.zeros(2), "trap": Trap()}, path)


@pytest.fixture
def no_unpickling(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a checkpoint was unpickled")

    monkeypatch.setattr(torch, "load", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)


@pytest.mark.usefixtures("no_unpickling")
@pytest.mark.parametrize("name", ["model.pt", "pytorch_model.bin", "weights.pkl", "model.ckpt"])
def test_pickle_checkpoints_are_refused_unopened(tmp_path, tiny_config, name: str) -> None:
    marker = tmp_path / "unpickled"
    path = tmp_path / name
    _booby_trapped_pickle(path, marker)
    with pytest.raises(ModelLoadError, match=r"only '\.safetensors' checkpoints"):
        load_vibe_model(tiny_config, path)
    assert not marker.exists()


@pytest.mark.usefixtures("no_unpickling")
def test_pickle_disguised_as_safetensors_is_rejected_unopened(tmp_path, tiny_config) -> None:
    marker = tmp_path / "unpickled"
    path = tmp_path / "model.safetensors"
    _booby_trapped_pickle(path, marker)
    with pytest.raises(ModelLoadError, match=r"model\.safetensors' is not a valid safetensors"):
        load_vibe_model(tiny_config, path)
    assert not marker.exists()


def test_missing_checkpoint_file(tmp_path, tiny_config) -> None:
    with pytest.raises(ModelLoadError, match="does not exist"):
        load_vibe_model(tiny_config, tmp_path / "model.safetensors")
