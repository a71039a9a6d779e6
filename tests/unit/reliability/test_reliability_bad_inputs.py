"""Bad-input matrix: every public entry point, every parameter, one row per bad value.

Each row names the call, the exception type it must raise and a pattern its message must
match: the offending value, what was expected, and (where there is one) the fix. A raw
TypeError, KeyError or ValueError from numpy, torch, json or traitlets is a failure.
Rows marked xfail(strict=True) are known gaps in files owned elsewhere: they fail loudly
once fixed, so the mark is removed then.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

import vibe_widgets as vw
from vibe_widgets.engine import hub, media, selection, timing
from vibe_widgets.engine.features.cache import FeatureCache
from vibe_widgets.engine.features.transcripts import check_transcripts
from vibe_widgets.widgets._serialize import array_from_json, array_to_json

NAN, INF = float("nan"), float("inf")
MID = vw.MODEL_ID


def _feats(ctx, **override):
    dims = ctx.model.config.input_dims
    out = {k: np.zeros((3, d), np.float32) for k, d in dims.items()}
    out.update(override)
    return out


def _w(ctx, modality: str) -> int:
    return ctx.model.config.input_dims[modality]


def _row(call, exc, pattern, id, xfail=None):
    # A known gap either raises the wrong exception or accepts the value (pytest.raises
    # then fails with "DID NOT RAISE", which is not an Exception subclass).
    raises = (Exception, pytest.fail.Exception)
    marks = [pytest.mark.xfail(strict=True, raises=raises, reason=xfail)] if xfail else []
    return pytest.param(call, exc, pattern, id=id, marks=marks)


def _run(ctx, n=6, **override):
    """One training run of the demo model's widths: features, fmri (n, 1000), subject 1."""
    out = {k: np.zeros((n, d), np.float32) for k, d in ctx.model.config.input_dims.items()}
    out["fmri"] = np.random.default_rng(n).normal(size=(n, 1000)).astype(np.float32)
    out["subject"] = 1
    out.update(override)
    return out


def _fit(ctx, runs=None, **kwargs):
    """fit() on two tiny runs, one epoch: fast even when a bad value is accepted."""
    kwargs.setdefault("config", ctx.model.config)
    kwargs.setdefault("epochs", 1)
    kwargs.setdefault("show_progress", False)
    runs = [_run(ctx), _run(ctx, 7)] if runs is None else runs
    return vw.fit(runs, kwargs.pop("out_dir", ctx.tmp / "fitted"), **kwargs)


def _features(ctx, n=6, **override):
    out = {k: np.zeros((n, d), np.float32) for k, d in ctx.model.config.input_dims.items()}
    out.update(override)
    return out


def _many(ctx, items=None, out_dir=None, **kwargs):
    """encode_many of the sample clip with the demo spec (fails before any encoding)."""
    items = [(ctx.clip.video_path, ctx.clip.transcripts)] if items is None else items
    spec = kwargs.pop("spec", {"model_variant": "demo", "subject": 1})
    kwargs.setdefault("show_progress", False)
    return vw.encode_many(spec, items, ctx.tmp / "many" if out_dir is None else out_dir, **kwargs)


IPE, SE, ME, MLE, CE = (
    vw.InvalidParameterError,
    vw.StimulusError,
    vw.MediaError,
    vw.ModelLoadError,
    vw.CacheError,
)

ROWS = [
    # -- get_encoding_model: every parameter ---------------------------------------------
    _row(
        lambda c: vw.get_encoding_model(None),
        IPE,
        r"Unknown model_id None.*only 'fmri",
        "gem-model_id-None",
    ),
    _row(
        lambda c: vw.get_encoding_model("vibe"),
        IPE,
        r"Unknown model_id 'vibe'",
        "gem-model_id-other",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, subject=4),
        IPE,
        r"Invalid subject 4.*\[1, 2, 3, 5\]",
        "gem-subject-4",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, subject=True),
        IPE,
        r"Invalid subject True",
        "gem-subject-bool",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, subject="1"),
        IPE,
        r"Invalid subject '1'",
        "gem-subject-str",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, subject=NAN),
        IPE,
        r"Invalid subject nan",
        "gem-subject-nan",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, device="tpu"),
        IPE,
        r"Invalid device 'tpu'.*'cpu'",
        "gem-device-name",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, device=3.5),
        IPE,
        r"Invalid device 3\.5",
        "gem-device-float",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, device=None),
        IPE,
        r"Invalid device None",
        "gem-device-None",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, model_variant=5),
        IPE,
        r"model_variant must be a repo id.*got 5",
        "gem-variant-int",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, model_variant=""),
        IPE,
        r"model_variant must be.*got ''",
        "gem-variant-empty",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, model_variant="a/.."),
        IPE,
        r"'a/\.\.' is not a valid Hugging Face repo id",
        "gem-variant-dotdot",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, model_variant="a--b/c"),
        IPE,
        r"'a--b/c' is not a valid",
        "gem-variant-double-dash",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, model_variant="ab/cd."),
        IPE,
        r"'ab/cd\.' is not a valid",
        "gem-variant-trailing-dot",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, model_variant="a/" + "b" * 200),
        IPE,
        r"is not a valid Hugging Face repo id",
        "gem-variant-too-long",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, model_variant="https://huggingface.co/a/b"),
        IPE,
        r"neither an existing folder nor",
        "gem-variant-url",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, model_variant="a/b\x00"),
        IPE,
        r"neither an existing folder nor",
        "gem-variant-nul",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, model_variant="../x/y"),
        IPE,
        r"neither an existing folder nor",
        "gem-variant-relative-path",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, model_variant=c.tmp / "nothing-here"),
        IPE,
        r"nothing-here.*neither an existing folder",
        "gem-variant-missing-folder",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, low_mem_use="yes"),
        IPE,
        r"low_mem_use must be True or False, got 'yes'",
        "gem-low_mem_use-str",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, low_mem_use=None),
        IPE,
        r"low_mem_use must be True or False, got None",
        "gem-low_mem_use-None",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, selection="Vis"),
        IPE,
        r"selection must be a dict.*got str",
        "gem-selection-str",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, allow_untrained=1),
        IPE,
        r"allow_untrained must be True or False",
        "gem-allow_untrained-int",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, config={"tr": 1.49}),
        IPE,
        r"config must be a VIBEConfig, got dict",
        "gem-config-dict",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, model_variant="demo", trust_remote_code="yes"),
        IPE,
        r"trust_remote_code must be True or False, got 'yes'",
        "gem-trust_remote_code-str",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, model_variant="demo", missing_audio="zero"),
        IPE,
        r"missing_audio must be one of \['error', 'silence'\], got 'zero'",
        "gem-missing_audio",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, model_variant="demo", feature_cache="x"),
        IPE,
        r"feature_cache must be a FeatureCache.*got str 'x'.*feature_cache=FeatureCache\(folder\)",
        "gem-feature_cache-str",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, model_variant="demo", feature_cache=0),
        IPE,
        r"feature_cache must be a FeatureCache, None .* or False .*got int 0",
        "gem-feature_cache-int",
    ),
    _row(
        lambda c: vw.get_encoding_model(MID, model_variant="ShreyDixit/VIBE-Not-Cached"),
        MLE,
        r"'ShreyDixit/VIBE-Not-Cached'.*HF_HUB_OFFLINE=1.*"
        r"hf download ShreyDixit/VIBE-Not-Cached config\.json model\.safetensors",
        "gem-variant-offline-uncached",
    ),
    # -- encode: every parameter ------------------------------------------------------
    _row(
        lambda c: vw.encode(None, c.clip.transcripts, c.clip.video_path),
        IPE,
        r"model must be an EncodingModel.*got NoneType",
        "encode-model-None",
    ),
    _row(
        lambda c: vw.encode(c.model, None, c.clip.video_path),
        SE,
        r"stimulus must be a list of str.*got NoneType",
        "encode-stimulus-None",
    ),
    _row(
        lambda c: vw.encode(c.model, "one string", c.clip.video_path),
        SE,
        r"stimulus must be a list of str.*got str.*Wrap a single string",
        "encode-stimulus-str",
    ),
    _row(
        lambda c: vw.encode(c.model, [], c.clip.video_path, show_progress=False),
        SE,
        r"Got 0 transcript strings.*Pass exactly 30 strings",
        "encode-stimulus-empty",
    ),
    _row(
        lambda c: vw.encode(
            c.model, c.clip.transcripts[:29], c.clip.video_path, show_progress=False
        ),
        SE,
        r"Got 29 transcript strings.*floor\(45\.250 / 1\.49\) = 30.*Pass exactly 30",
        "encode-stimulus-one-short",
    ),
    _row(
        lambda c: vw.encode(
            c.model, [*c.clip.transcripts, ""], c.clip.video_path, show_progress=False
        ),
        SE,
        r"Got 31 transcript strings.*Pass exactly 30",
        "encode-stimulus-one-long",
    ),
    _row(
        lambda c: vw.encode(c.model, [*c.clip.transcripts[:29], None], c.clip.video_path),
        SE,
        r"stimulus\[29\] is NoneType \(None\), not str.*use \"\"",
        "encode-stimulus-None-item",
    ),
    _row(
        lambda c: vw.encode(c.model, [*c.clip.transcripts[:29], NAN], c.clip.video_path),
        SE,
        r"stimulus\[29\] is float \(nan\), not str",
        "encode-stimulus-nan-item",
    ),
    _row(
        lambda c: vw.encode(c.model, [b"bytes", *c.clip.transcripts[1:]], c.clip.video_path),
        SE,
        r"stimulus\[0\] is bytes",
        "encode-stimulus-bytes-item",
    ),
    _row(
        lambda c: vw.encode(c.model, c.clip.transcripts, None),
        IPE,
        r"video_path is required",
        "encode-video_path-None",
    ),
    _row(
        lambda c: vw.encode(c.model, c.clip.transcripts, 5),
        IPE,
        r"video path must be a str or pathlib\.Path, got int \(5\)",
        "encode-video_path-int",
    ),
    _row(
        lambda c: vw.encode(c.model, c.clip.transcripts, c.tmp / "missing.mp4"),
        ME,
        r"Video file not found: '.*missing\.mp4'",
        "encode-video_path-missing",
    ),
    _row(
        lambda c: vw.encode(c.model, c.clip.transcripts, c.tmp),
        ME,
        r"is a directory, not a video file",
        "encode-video_path-directory",
    ),
    _row(
        lambda c: vw.encode(c.model, c.clip.transcripts, c.clip.video_path, subject=4),
        IPE,
        r"Invalid subject 4",
        "encode-subject-4",
    ),
    _row(
        lambda c: vw.encode(c.model, c.clip.transcripts, c.clip.video_path, subject="one"),
        IPE,
        r"Invalid subject 'one'",
        "encode-subject-str",
    ),
    _row(
        lambda c: vw.encode(c.model, c.clip.transcripts, c.clip.video_path, return_metadata="no"),
        IPE,
        r"return_metadata must be True or False, got 'no'",
        "encode-return_metadata-str",
    ),
    _row(
        lambda c: vw.encode(c.model, c.clip.transcripts, c.clip.video_path, show_progress=None),
        IPE,
        r"show_progress must be True or False, got None",
        "encode-show_progress-None",
    ),
    # -- encode_features ----------------------------------------------------------------
    _row(
        lambda c: vw.encode_features(c.model, None),
        SE,
        r"features must be a dict with keys \['audio', 'text', 'video'\], got NoneType",
        "features-None",
    ),
    _row(
        lambda c: vw.encode_features(c.model, {}),
        SE,
        r"missing \['audio', 'text', 'video'\]",
        "features-empty",
    ),
    _row(
        lambda c: vw.encode_features(c.model, {**_feats(c), "eeg": np.zeros((3, 4))}),
        SE,
        r"unknown \['eeg'\]",
        "features-unknown-key",
    ),
    _row(
        lambda c: vw.encode_features(c.model, _feats(c, audio=np.full((3, _w(c, "audio")), NAN))),
        SE,
        r"features\['audio'\] contains NaN or infinite",
        "features-nan",
    ),
    _row(
        lambda c: vw.encode_features(c.model, _feats(c, text=np.full((3, _w(c, "text")), INF))),
        SE,
        r"features\['text'\] contains NaN or infinite",
        "features-inf",
    ),
    _row(
        lambda c: vw.encode_features(c.model, _feats(c, audio="x")),
        SE,
        r"features\['audio'\] is not a numeric array: dtype <U1",
        "features-str",
    ),
    _row(
        lambda c: vw.encode_features(c.model, _feats(c, audio=[[1, 2], [3]])),
        SE,
        r"features\['audio'\] is not a numeric array",
        "features-ragged",
    ),
    _row(
        lambda c: vw.encode_features(c.model, _feats(c, audio=np.zeros((3, _w(c, "audio") - 1)))),
        SE,
        r"features\['audio'\] must have shape \(n_tr, 64\), got \(3, 63\)",
        "features-width",
    ),
    _row(
        lambda c: vw.encode_features(c.model, {k: v[None] for k, v in _feats(c).items()}),
        SE,
        r"must have shape \(n_tr, \d+\), got \(1, 3, \d+\)",
        "features-3d",
    ),
    _row(
        lambda c: vw.encode_features(c.model, _feats(c, audio=np.zeros((4, _w(c, "audio"))))),
        SE,
        r"same number of rows.*'audio': 4",
        "features-rows",
    ),
    _row(
        lambda c: vw.encode_features(c.model, {k: v[:0] for k, v in _feats(c).items()}),
        SE,
        r"0 rows: at least one TR",
        "features-zero-rows",
    ),
    _row(
        lambda c: vw.encode_features(
            c.model, _feats(c, audio=torch.zeros(3, _w(c, "audio"), dtype=torch.complex64))
        ),
        SE,
        r"complex64 is not real-valued",
        "features-complex",
    ),
    _row(
        lambda c: vw.encode_features(c.model, _feats(c), subject=0),
        IPE,
        r"Invalid subject 0",
        "features-subject",
    ),
    # -- metadata and variants ----------------------------------------------------------
    _row(lambda c: vw.get_model_metadata(None), IPE, r"Unknown model_id None", "metadata-model_id"),
    _row(
        lambda c: vw.get_model_metadata(MID, subject=0),
        IPE,
        r"Invalid subject 0",
        "metadata-subject",
    ),
    _row(lambda c: vw.get_model_variants(None), IPE, r"Unknown model_id None", "variants-model_id"),
    _row(
        lambda c: vw.get_model_variants(MID),
        MLE,
        r"Offline \(HF_HUB_OFFLINE=1\) and no variant listing.*get_model_variants",
        "variants-offline-no-listing",
    ),
    _row(
        lambda c: hub.register_variant("mine", None),
        IPE,
        r"register_variant needs the folder.*got None",
        "register-folder-None",
    ),
    _row(
        lambda c: hub.register_variant("owner/name", c.tmp),
        IPE,
        r"without '/', got 'owner/name'",
        "register-name-repo-like",
    ),
    # -- VIBEConfig -----------------------------------------------------------------------
    _row(
        lambda c: vw.VIBEConfig(tr=NAN),
        IPE,
        r"field tr=nan is invalid: expected a positive finite number",
        "config-tr-nan",
    ),
    _row(lambda c: vw.VIBEConfig(tr=INF), IPE, r"field tr=inf is invalid", "config-tr-inf"),
    _row(lambda c: vw.VIBEConfig(tr=0), IPE, r"field tr=0 is invalid", "config-tr-zero"),
    _row(lambda c: vw.VIBEConfig(tr="1.49"), IPE, r"field tr='1\.49' is invalid", "config-tr-str"),
    _row(
        lambda c: vw.VIBEConfig(num_rois=None),
        IPE,
        r"field num_rois=None is invalid: expected an integer",
        "config-int-None",
    ),
    _row(
        lambda c: vw.VIBEConfig(num_rois=NAN),
        IPE,
        r"field num_rois=nan is invalid: expected an integer",
        "config-int-nan",
    ),
    _row(
        lambda c: vw.VIBEConfig(num_rois=-1),
        IPE,
        r"field num_rois=-1 is invalid: expected a positive integer",
        "config-int-negative",
    ),
    _row(
        lambda c: vw.VIBEConfig(num_rois=2.5),
        IPE,
        r"field num_rois=2\.5 is invalid",
        "config-int-fraction",
    ),
    _row(
        lambda c: vw.VIBEConfig(text_extractor=5),
        IPE,
        r"field text_extractor=5 is invalid: expected a string",
        "config-str-int",
    ),
    _row(
        lambda c: vw.VIBEConfig(text_extractor_dtype="int8"),
        IPE,
        r"text_extractor_dtype='int8'.*one of",
        "config-dtype",
    ),
    _row(
        lambda c: vw.VIBEConfig(modality_fusion_transformer_fuse_mode="sum"),
        IPE,
        r"fuse_mode='sum'.*\['concat', 'mean'\]",
        "config-fuse-mode",
    ),
    _row(
        lambda c: vw.VIBEConfig(
            modality_fusion_transformer_dim=10, modality_fusion_transformer_num_heads=3
        ),
        IPE,
        r"dim=10 is not divisible by .*num_heads=3",
        "config-heads",
    ),
    _row(
        lambda c: vw.VIBEConfig.from_dict([1]),
        IPE,
        r"must be a JSON object, got list",
        "config-from_dict-list",
    ),
    # -- timing ---------------------------------------------------------------------------
    _row(
        lambda c: timing.count_trs("10"),
        IPE,
        r"duration must be a finite number of seconds >= 0, got '10'",
        "count_trs-str",
    ),
    _row(lambda c: timing.count_trs(None), IPE, r"duration must be .* got None", "count_trs-None"),
    _row(lambda c: timing.count_trs(NAN), IPE, r"got nan", "count_trs-nan"),
    _row(lambda c: timing.count_trs(-1.0), IPE, r"got -1\.0", "count_trs-negative"),
    _row(
        lambda c: timing.count_trs(10, 0),
        IPE,
        r"tr must be positive and finite .*got 0",
        "count_trs-tr-zero",
    ),
    _row(
        lambda c: timing.count_trs(10, "1.49"),
        IPE,
        r"tr must be a number of seconds.*got str '1\.49'",
        "count_trs-tr-str",
    ),
    _row(
        lambda c: timing.count_trs(10, True),
        IPE,
        r"tr must be a number of seconds.*got bool",
        "count_trs-tr-bool",
    ),
    _row(
        lambda c: timing.tr_start(-1),
        IPE,
        r"index must be a TR index, an int >= 0, got -1",
        "tr_start-negative",
    ),
    _row(lambda c: timing.tr_start(1.5), IPE, r"got 1\.5", "tr_start-float"),
    _row(lambda c: timing.tr_start(None), IPE, r"got None", "tr_start-None"),
    _row(
        lambda c: timing.audio_windows(3, 1.49, NAN),
        IPE,
        r"audio_duration must be finite and >= 0, got nan",
        "audio_windows-nan",
    ),
    _row(
        lambda c: timing.audio_windows(-1, 1.49, 5.0),
        IPE,
        r"n_tr must be an int >= 0, got -1",
        "audio_windows-n_tr",
    ),
    _row(
        lambda c: timing.audio_windows(3, 1.49, 5.0, window_seconds=0),
        IPE,
        r"window_seconds must be finite and > 0",
        "audio_windows-window",
    ),
    _row(
        lambda c: timing.audio_windows(3, 1.49, 5.0, sample_rate=16000.0),
        IPE,
        r"sample_rate must be an int",
        "audio_windows-rate",
    ),
    _row(
        lambda c: timing.video_windows(3, 1.49, 1.0, 24, 24),
        SE,
        r"n_tr=3 TRs of 1\.49 s do not fit a video of 1\.000 s",
        "video_windows-too-many",
    ),
    _row(
        lambda c: timing.video_windows(0, 1.49, 10.0, 24, 240),
        IPE,
        r"n_tr must be an int >= 1, got 0",
        "video_windows-n_tr",
    ),
    _row(
        lambda c: timing.video_windows(3, 1.49, 10.0, 24, 240, n_samples=1),
        IPE,
        r"n_samples must be an int >= 2, got 1",
        "video_windows-one-sample",
    ),
    _row(
        lambda c: timing.video_windows(3, 1.49, 10.0, NAN, 240),
        IPE,
        r"fps must be finite and > 0, got nan",
        "video_windows-fps",
    ),
    _row(
        lambda c: timing.video_windows(3, 1.49, 10.0, 24, 240, chunk_seconds=1.0),
        IPE,
        r"chunk_seconds \(1\.0\) must be at least one TR",
        "video_windows-chunk",
    ),
    # -- selection ------------------------------------------------------------------------
    _row(
        lambda c: selection.resolve_selection([1]),
        IPE,
        r"selection must be a dict.*got list",
        "selection-list",
    ),
    _row(lambda c: selection.resolve_selection({}), IPE, r"selection is empty", "selection-empty"),
    _row(
        lambda c: selection.resolve_selection({"rois": ["Vis"]}),
        IPE,
        r"Unknown selection key\(s\) \['rois'\]",
        "selection-key",
    ),
    _row(
        lambda c: selection.resolve_selection({"roi": None}),
        IPE,
        r"non-empty list of network names, got None",
        "selection-roi-None",
    ),
    _row(
        lambda c: selection.resolve_selection({"roi": []}),
        IPE,
        r"non-empty list of network names, got \[\]",
        "selection-roi-empty",
    ),
    _row(
        lambda c: selection.resolve_selection({"roi": ["Visual"]}),
        IPE,
        r"Unknown network 'Visual'.*valid networks",
        "selection-roi-unknown",
    ),
    _row(
        lambda c: selection.resolve_selection({"roi": [3]}),
        IPE,
        r"Unknown network 3",
        "selection-roi-int",
    ),
    _row(
        lambda c: selection.resolve_selection({"parcel_index": None}),
        IPE,
        r"binary array of length 1000.*got shape \(\)",
        "selection-mask-None",
    ),
    _row(
        lambda c: selection.resolve_selection({"parcel_index": np.ones(999)}),
        IPE,
        r"got shape \(999,\)",
        "selection-mask-short",
    ),
    _row(
        lambda c: selection.resolve_selection({"parcel_index": np.ones((2, 1000))}),
        IPE,
        r"got shape \(2, 1000\)",
        "selection-mask-2d",
    ),
    _row(
        lambda c: selection.resolve_selection({"parcel_index": np.full(1000, NAN)}),
        IPE,
        r"must be binary \(only 0 and 1\), found nan",
        "selection-mask-nan",
    ),
    _row(
        lambda c: selection.resolve_selection({"parcel_index": np.full(1000, 0.5)}),
        IPE,
        r"found 0\.5",
        "selection-mask-half",
    ),
    _row(
        lambda c: selection.resolve_selection({"parcel_index": ["..."] * 1000}),
        IPE,
        r"found '\.\.\.'",
        "selection-mask-str",
    ),
    _row(
        lambda c: selection.resolve_selection({"parcel_index": np.zeros(1000)}),
        IPE,
        r"selects no parcel",
        "selection-mask-zeros",
    ),
    _row(
        lambda c: selection.resolve_selection({"parcel_index": [[1], [1, 2]]}),
        IPE,
        r"is not an array",
        "selection-mask-ragged",
    ),
    _row(
        lambda c: selection.resolve_selection(
            {"parcel_index": np.ones(1000), "voxel_index": np.ones(1000)}
        ),
        IPE,
        r"not both",
        "selection-mask-alias-twice",
    ),
    # -- transcripts ----------------------------------------------------------------------
    _row(
        lambda c: check_transcripts(None),
        SE,
        r"stimulus must be a list of str.*got NoneType",
        "transcripts-None",
    ),
    _row(
        lambda c: check_transcripts(x for x in "ab"), SE, r"got generator", "transcripts-generator"
    ),
    _row(
        lambda c: check_transcripts(["a", 1]),
        SE,
        r"stimulus\[1\] is int \(1\), not str",
        "transcripts-int-item",
    ),
    _row(
        lambda c: vw.TranscriptEditor(None),
        IPE,
        r"transcripts must be a list of str.*got NoneType",
        "editor-None",
    ),
    _row(lambda c: vw.TranscriptEditor([]), IPE, r"transcripts is empty", "editor-empty"),
    _row(lambda c: vw.TranscriptEditor("abc"), IPE, r"got str", "editor-str"),
    _row(
        lambda c: vw.TranscriptEditor(["a", None]),
        IPE,
        r"item 1 is NoneType None",
        "editor-None-item",
    ),
    _row(
        lambda c: vw.TranscriptEditor(["a"], tr=NAN),
        IPE,
        r"tr must be positive and finite.*got nan",
        "editor-tr-nan",
    ),
    _row(
        lambda c: vw.TranscriptEditor(["a"], cursor=-1),
        IPE,
        r"cursor -1 is outside the transcript's TRs 0\.\.0",
        "editor-cursor-negative",
    ),
    _row(
        lambda c: vw.TranscriptEditor(["a"], cursor="0"),
        IPE,
        r"TranscriptEditor: cursor must be an int, got str '0'\. Pass an int as cursor=",
        "editor-cursor-str",
    ),
    _row(
        lambda c: vw.TranscriptEditor(["a"], link_id=3),
        IPE,
        r"link_id must be a unicode string, got int 3\. Pass a unicode string as link_id=",
        "editor-link_id-int",
    ),
    _row(
        lambda c: vw.TranscriptEditor(["a"], read_only="no"),
        IPE,
        r"read_only must be a boolean, got str 'no'\. Pass a boolean as read_only=",
        "editor-read_only-str",
    ),
    _row(
        lambda c: vw.TranscriptEditor(["a"]).save(c.tmp / "t.txt"),
        IPE,
        r"extension '\.txt'.*\.json or \.tsv",
        "editor-save-extension",
    ),
    _row(
        lambda c: vw.TranscriptEditor.load(c.tmp / "missing.json"),
        IPE,
        r"cannot read transcripts from '.*missing\.json'",
        "editor-load-missing",
    ),
    _row(
        lambda c: vw.TranscriptEditor(["a", "b"]).load(
            _text(c.tmp / "one.json", '{"transcripts": ["x"]}')
        ),
        IPE,
        r"holds 1 transcripts but this editor has n_tr=2; nothing was changed",
        "editor-load-count",
    ),
    _row(
        lambda c: vw.TranscriptEditor.load(_text(c.tmp / "bad.json", "{not json")),
        IPE,
        r"'.*bad\.json' is not valid JSON",
        "editor-load-bad-json",
    ),
    _row(
        lambda c: vw.TranscriptEditor.load(_text(c.tmp / "items.json", '{"transcripts": [1]}')),
        IPE,
        r"item 0 is int 1",
        "editor-load-non-str",
    ),
    _row(
        lambda c: vw.TranscriptEditor.load(
            _text(c.tmp / "tr.json", '{"tr": -1, "transcripts": ["a"]}')
        ),
        IPE,
        r"tr must be positive.*got -1",
        "editor-load-bad-tr",
    ),
    _row(
        lambda c: vw.TranscriptEditor.load(
            _bytes(c.tmp / "latin.json", b'{"transcripts": ["\xe9"]}')
        ),
        IPE,
        r"cannot read transcripts from '.*latin\.json'.*utf-8",
        "editor-load-not-utf8",
    ),
    # -- widgets --------------------------------------------------------------------------
    # Wrong types in any widget constructor (traitlets' checks) name the argument and fix.
    _row(
        lambda c: vw.VideoPlayer(c.clip.video_path, link_id=3),
        IPE,
        r"VideoPlayer: link_id must be a unicode string, got int 3\. Pass a unicode string",
        "player-link_id-int",
    ),
    _row(
        lambda c: vw.GlassBrain(np.zeros((3, 1000), np.float32), link_id=["a"]),
        IPE,
        r"GlassBrain: link_id must be a unicode string, got list \['a'\]\. Pass",
        "glass-link_id-list",
    ),
    _row(
        lambda c: vw.GlassBrain(None),
        IPE,
        r"responses must hold real numbers, got dtype object",
        "glass-None",
    ),
    _row(
        lambda c: vw.GlassBrain(np.full((3, 1000), NAN)),
        IPE,
        r"must be finite: 3000 values are NaN or inf.*np\.nan_to_num",
        "glass-nan",
    ),
    _row(
        lambda c: vw.GlassBrain(np.zeros((3, 999))),
        IPE,
        r"shape \(n_tr, 1000\).*got \(3, 999\)",
        "glass-shape",
    ),
    _row(lambda c: vw.GlassBrain(np.zeros((0, 1000))), IPE, r"got \(0, 1000\)", "glass-empty"),
    _row(
        lambda c: vw.GlassBrain(np.zeros((3, 1000)), vmax=-1),
        IPE,
        r"vmax must be a positive finite number or None.*got -1",
        "glass-vmax-negative",
    ),
    _row(lambda c: vw.GlassBrain(np.zeros((3, 1000)), vmax=NAN), IPE, r"got nan", "glass-vmax-nan"),
    _row(
        lambda c: vw.GlassBrain(np.zeros((3, 1000)), networks=["Foo"]),
        IPE,
        r"unknown network\(s\) \['Foo'\]",
        "glass-networks",
    ),
    _row(
        lambda c: vw.GlassBrain(np.zeros((3, 1000)), cursor=5),
        IPE,
        r"cursor 5 is outside the responses' TRs 0\.\.2",
        "glass-cursor",
    ),
    _row(
        lambda c: vw.GlassBrain(np.zeros((3, 1000)), tr=0), IPE, r"tr must be positive", "glass-tr"
    ),
    _row(
        lambda c: vw.NetworkTimecourse(None),
        IPE,
        r"shape \(n_tr, 1000\).*got shape \(\)",
        "timecourse-None",
    ),
    _row(lambda c: vw.NetworkTimecourse("abc"), IPE, r"numeric array.*got str", "timecourse-str"),
    _row(
        lambda c: vw.NetworkTimecourse(np.full((3, 1000), NAN)),
        IPE,
        r"3000 NaN/inf values",
        "timecourse-nan",
    ),
    _row(
        lambda c: vw.NetworkTimecourse(np.zeros((3, 1000)), compare=np.zeros((4, 1000))),
        IPE,
        r"compare must have the same shape.*\(3, 1000\), got \(4, 1000\)",
        "timecourse-compare",
    ),
    _row(
        lambda c: vw.NetworkTimecourse(np.zeros((3, 1000)), parcels=[1000]),
        IPE,
        r"parcel indices in 0\.\.999, got \[1000\]",
        "timecourse-parcels",
    ),
    _row(
        lambda c: vw.NetworkTimecourse(np.zeros((3, 1000)), title=None),
        IPE,
        r"NetworkTimecourse: title must be a unicode string, got NoneType None\. Pass",
        "timecourse-title-None",
    ),
    _row(
        lambda c: vw.VideoPlayer(None),
        IPE,
        r"video path must be a str or pathlib\.Path, got NoneType",
        "player-None",
    ),
    _row(
        lambda c: vw.VideoPlayer(c.clip.video_path, tr=-1), IPE, r"tr must be positive", "player-tr"
    ),
    _row(
        lambda c: vw.VideoPlayer(c.clip.video_path, hrf_offset=NAN),
        IPE,
        r"hrf_offset must be finite.*got nan",
        "player-hrf-nan",
    ),
    _row(
        lambda c: vw.VideoPlayer(c.clip.video_path, cursor=99),
        IPE,
        r"cursor 99 is outside the clip's TRs 0\.\.29",
        "player-cursor",
    ),
    _row(
        lambda c: vw.VideoPlayer(c.clip.video_path, max_mb=-1),
        IPE,
        r"max_mb must be a positive number of megabytes.*got -1",
        "player-max_mb-negative",
    ),
    _row(
        lambda c: vw.VideoPlayer(c.clip.video_path, max_mb="a"),
        IPE,
        r"max_mb must be .*got 'a'",
        "player-max_mb-str",
    ),
    _row(
        lambda c: vw.VideoPlayer(c.clip.video_path, max_mb=NAN),
        IPE,
        r"max_mb must be .*got nan",
        "player-max_mb-nan",
    ),
    _row(
        lambda c: vw.VideoPlayer(c.clip.video_path, max_height=8),
        IPE,
        r"max_height must be an int >= 16, got 8",
        "player-max_height",
    ),
    _row(
        lambda c: vw.Explorer(None, c.clip.video_path, c.clip.transcripts),
        IPE,
        r"model must be an EncodingModel",
        "explorer-model",
    ),
    _row(
        lambda c: vw.Explorer(c.model, c.clip.video_path, ["a"]),
        SE,
        r"Got 1 transcript strings.*Pass exactly 30",
        "explorer-count",
    ),
    _row(
        lambda c: vw.link(1, 2),
        IPE,
        r"link/unlink take vibe-widgets views.*got \['int', 'int'\]",
        "link-non-views",
    ),
    _row(lambda c: vw.unlink(None), IPE, r"got \['NoneType'\]", "unlink-None"),
    _row(
        lambda c: vw.export_html([], c.tmp / "x.html"),
        IPE,
        r"non-empty list of widgets, got \[\]",
        "export-empty",
    ),
    _row(
        lambda c: vw.export_html([1], c.tmp / "x.html"),
        IPE,
        r"non-empty list of widgets, got \[1\]",
        "export-non-widget",
    ),
    _row(
        lambda c: vw.export_html([vw.TranscriptEditor(["a"])], None),
        IPE,
        r"output file as a str or Path.*got None",
        "export-path-None",
    ),
    _row(
        lambda c: vw.export_html([vw.TranscriptEditor(["a"])], c.tmp),
        IPE,
        r"is a directory; pass a file path",
        "export-path-directory",
    ),
    _row(
        lambda c: vw.export_html([vw.TranscriptEditor(["a"])], c.tmp / "x.html", title=None),
        IPE,
        r"title must be a str.*got NoneType",
        "export-title-None",
    ),
    # -- figures --------------------------------------------------------------------------
    _row(
        lambda c: vw.plot_glass_brain(None),
        IPE,
        r"responses must hold real numbers.*got dtype object",
        "plot-glass-None",
    ),
    _row(
        lambda c: vw.plot_glass_brain(np.zeros((3, 1000)), tr_index=5),
        IPE,
        r"tr_index 5 is outside the responses' TRs 0\.\.2",
        "plot-glass-tr_index",
    ),
    _row(
        lambda c: vw.plot_glass_brain(np.zeros((3, 1000)), mode="x"),
        IPE,
        r"mode must be one of \['markers', 'volume'\], got 'x'",
        "plot-glass-mode",
    ),
    _row(
        lambda c: vw.plot_network_timecourses(None),
        IPE,
        r"responses must hold real numbers",
        "plot-timecourses-None",
    ),
    _row(
        lambda c: vw.plot_network_timecourses(np.zeros((3, 1000)), tr=0),
        IPE,
        r"tr must be positive and finite.*got 0",
        "plot-timecourses-tr",
    ),
    _row(
        lambda c: vw.plot_network_timecourses(np.zeros((3, 1000)), compare=np.zeros((4, 1000))),
        IPE,
        r"compare must have the same shape.*got \(4, 1000\)",
        "plot-timecourses-compare",
    ),
    _row(
        lambda c: vw.generate_glass_brain_animation(None, c.tmp / "a.gif"),
        IPE,
        r"responses must hold real numbers",
        "animation-None",
    ),
    _row(
        lambda c: vw.generate_glass_brain_animation(np.zeros((3, 1000)), c.tmp / "a.gif", speed=0),
        IPE,
        r"speed must be positive and finite.*got 0",
        "animation-speed",
    ),
    _row(
        lambda c: vw.generate_glass_brain_animation(np.zeros((3, 1000)), c.tmp / "a.txt"),
        IPE,
        r"unknown extension '\.txt'. Use one of \.gif, \.mp4",
        "animation-extension",
    ),
    _row(
        lambda c: vw.render_movie_with_brain(
            c.tmp / "none.mp4", np.zeros((30, 1000)), c.tmp / "o.mp4"
        ),
        ME,
        r"Video file not found: '.*none\.mp4'",
        "render-video-missing",
    ),
    _row(
        lambda c: vw.render_movie_with_brain(c.clip.video_path, None, c.tmp / "o.mp4"),
        IPE,
        r"responses must hold real numbers",
        "render-responses-None",
    ),
    # -- binary serialisation ---------------------------------------------------------------
    _row(
        lambda c: array_to_json(np.array(["a"])),
        IPE,
        r"one of the dtypes.*got <U1; cast it first",
        "array-to-json-str",
    ),
    _row(lambda c: array_to_json(np.zeros(3, np.int64)), IPE, r"got int64", "array-to-json-int64"),
    _row(
        lambda c: array_from_json({"view": b"abc", "dtype": "float32", "shape": [1]}),
        IPE,
        r"unusable message.*buffer size",
        "array-from-json-size",
    ),
    _row(
        lambda c: array_from_json({"view": b"abcd", "dtype": "float32", "shape": [2]}),
        IPE,
        r"unusable message",
        "array-from-json-shape",
    ),
    _row(
        lambda c: array_from_json({"view": b"abcd", "dtype": "object", "shape": [1]}),
        IPE,
        r"dtype object is not one of",
        "array-from-json-object",
    ),
    _row(
        lambda c: array_from_json({"dtype": "float32", "shape": [1]}),
        IPE,
        r"KeyError: 'view'",
        "array-from-json-missing",
    ),
    # -- feature cache ----------------------------------------------------------------------
    _row(
        lambda c: FeatureCache(c.tmp / "fc").key("eeg", "x", "y", {}),
        IPE,
        r"modality must be one of \['audio', 'text', 'video'\], got 'eeg'",
        "cache-key-modality",
    ),
    _row(
        lambda c: FeatureCache(c.tmp / "fc").get("../../etc/passwd"),
        IPE,
        r"key '\.\./\.\./etc/passwd' is not one made by FeatureCache\.key",
        "cache-get-traversal",
    ),
    _row(
        lambda c: FeatureCache(c.tmp / "fc").put("audio-" + "0" * 32, np.array([object()])),
        IPE,
        r"must be numeric.*got dtype object",
        "cache-put-object",
    ),
    _row(
        lambda c: FeatureCache(_text(c.tmp / "file", "")).put("audio-" + "0" * 32, np.zeros(3)),
        CE,
        r"Cannot write to the feature cache at '.*file'.*VIBE_WIDGETS_CACHE",
        "cache-root-is-a-file",
    ),
    _row(
        lambda c: FeatureCache(c.tmp / "fc").clear("eeg"), IPE, r"got 'eeg'", "cache-clear-modality"
    ),
    # -- fit: every parameter ----------------------------------------------------------------
    _row(
        lambda c: _fit(c, runs=42),
        IPE,
        r"runs must be a folder, a list or a dict of runs, got int",
        "fit-runs-int",
    ),
    _row(
        lambda c: _fit(c, runs=c.tmp / "none"),
        IPE,
        r"none' does not exist; give a folder of \.npz runs",
        "fit-runs-missing-folder",
    ),
    _row(
        lambda c: _fit(c, runs=c.tmp),
        IPE,
        r"holds no \.npz files; save each run with\s+numpy\.savez",
        "fit-runs-empty-folder",
    ),
    _row(
        lambda c: _fit(c, runs=[]),
        IPE,
        r"No runs given: fitting needs at least one run",
        "fit-runs-empty",
    ),
    _row(
        lambda c: _fit(c, runs=["a.npz"]),
        IPE,
        r"runs\[0\] is a str; expected a Run or a mapping",
        "fit-runs-item-str",
    ),
    _row(
        lambda c: _fit(c, runs=[_run(c, fmri=np.zeros((6, 999), np.float32)), _run(c)]),
        SE,
        r"fmri has 999 columns, expected 1000",
        "fit-fmri-width",
    ),
    _row(
        lambda c: _fit(c, runs=[_run(c, text=np.zeros((6, 3), np.float32)), _run(c)]),
        SE,
        r"'text' features have width 3, the config expects \d+\. Extract them",
        "fit-features-width",
    ),
    _row(
        lambda c: _fit(c, runs=[_run(c, video=np.zeros((5, _w(c, "video")), np.float32))]),
        SE,
        r"same number of TRs.*'video': 5.*Trim them",
        "fit-features-trs",
    ),
    _row(
        lambda c: _fit(c, runs=[_run(c, fmri=np.full((6, 1000), NAN, np.float32))]),
        SE,
        r"fmri contains NaN or infinite values; fill or drop",
        "fit-fmri-nan",
    ),
    _row(
        lambda c: _fit(c, runs=[{k: v for k, v in _run(c).items() if k != "video"}]),
        SE,
        r"lacks \['video'\]: each run needs the keys",
        "fit-run-missing-key",
    ),
    _row(
        lambda c: _fit(c, runs=[_run(c, subject=None)]),
        IPE,
        r"subject must be.*got None\. Pass subject= to fit\(\)",
        "fit-subject-missing",
    ),
    _row(
        lambda c: _fit(c, config=None),
        IPE,
        r"needs config=VIBEConfig\(\.\.\.\).*or init_from=",
        "fit-config-None",
    ),
    _row(
        lambda c: _fit(c, config={"tr": 1.49}),
        IPE,
        r"got config=\{'tr': 1\.49\}",
        "fit-config-dict",
    ),
    _row(
        lambda c: _fit(c, config=None, init_from=c.tmp / "no-variant"),
        IPE,
        r"no-variant' is neither an existing folder nor a Hugging Face repo id",
        "fit-init_from-missing",
    ),
    _row(
        lambda c: _fit(c, init_from="demo"),
        IPE,
        r"Give config= .* or init_from= .*, not both",
        "fit-config-and-init_from",
    ),
    _row(
        lambda c: _fit(c, new_subjects="grow"),
        IPE,
        r"new_subjects must be one of \['enlarge', 'null'\], got 'grow'",
        "fit-new_subjects",
    ),
    _row(
        lambda c: _fit(c, epochs=None, val_runs=["zzz"]),
        IPE,
        r"val_runs \['zzz'\] are not run names; runs:",
        "fit-val_runs-unknown",
    ),
    _row(
        lambda c: _fit(c, runs=[_run(c)], epochs=None),
        IPE,
        r"Early stopping needs a held-out run.*Give more runs or epochs=N",
        "fit-one-run-early-stopping",
    ),
    _row(lambda c: _fit(c, epochs=0), IPE, r"epochs must be an int >= 1, got 0", "fit-epochs-zero"),
    _row(
        lambda c: _fit(c, epochs=2.5),
        IPE,
        r"epochs must be an int >= 1, got 2\.5",
        "fit-epochs-float",
    ),
    _row(
        lambda c: _fit(c, lr=-1),
        IPE,
        r"lr must be a number in \(0\.0, inf\), got -1",
        "fit-lr-negative",
    ),
    _row(lambda c: _fit(c, lr="fast"), IPE, r"lr must be a number.*got 'fast'", "fit-lr-str"),
    _row(
        lambda c: _fit(c, batch_size=0),
        IPE,
        r"batch_size must be an int >= 1, got 0",
        "fit-batch_size",
    ),
    _row(
        lambda c: _fit(c, mask_ratio=1.5),
        IPE,
        r"mask_ratio must be a number in \[0\.0, 1\.0\), got 1\.5",
        "fit-mask_ratio",
    ),
    _row(lambda c: _fit(c, crop=1), IPE, r"crop must be an int >= 2, got 1", "fit-crop"),
    _row(
        lambda c: _fit(c, seeds=[]),
        IPE,
        r"seeds must be an int or a non-empty sequence.*got \[\]",
        "fit-seeds-empty",
    ),
    _row(lambda c: _fit(c, seeds="0"), IPE, r"seeds must be.*got '0'", "fit-seeds-str"),
    _row(
        lambda c: _fit(c, save_dtype="int8"),
        IPE,
        r"save_dtype must be one of \['float32', 'float16', 'bfloat16'\], got 'int8'",
        "fit-save_dtype",
    ),
    _row(
        lambda c: _fit(c, label=""),
        IPE,
        r"label must be a non-empty string, got ''",
        "fit-label-empty",
    ),
    _row(
        lambda c: _fit(c, device="tpu"),
        IPE,
        r"Invalid device 'tpu': use 'auto', 'cpu' or 'cuda'",
        "fit-device",
    ),
    _row(
        lambda c: _fit(c, out_dir=5),
        IPE,
        r"out_dir.*got int",
        "fit-out_dir-int",
    ),
    _row(
        lambda c: _fit(c, out_dir=c.clip.video_path),
        IPE,
        r"out_dir.*sample\.mp4.*folder",
        "fit-out_dir-is-a-file",
    ),
    _row(
        lambda c: _fit(c, callback=5),
        IPE,
        r"callback.*got int",
        "fit-callback-int",
    ),
    _row(
        lambda c: _fit(c, model_card=5),
        IPE,
        r"model_card.*got int",
        "fit-model_card-int",
    ),
    _row(
        lambda c: _fit(c, resume="yes"),
        IPE,
        r"resume must be True or False, got 'yes'",
        "fit-resume-str",
    ),
    _row(
        lambda c: _fit(c, show_progress="yes"),
        IPE,
        r"show_progress must be True or False, got 'yes'",
        "fit-show_progress-str",
    ),
    _row(
        lambda c: _fit(c, standardize="no"),
        IPE,
        r"standardize must be True, False or None, got 'no'",
        "fit-standardize-str",
    ),
    # -- evaluate -----------------------------------------------------------------------------
    _row(
        lambda c: vw.evaluate("model", _features(c), np.zeros((6, 1000))),
        IPE,
        r"model must be an EncodingModel from get_encoding_model\(\), got str",
        "evaluate-model-str",
    ),
    _row(
        lambda c: vw.evaluate(c.model, "features.npz", np.zeros((6, 1000))),
        IPE,
        r"features must be one run or a non-empty list of runs, got str",
        "evaluate-features-str",
    ),
    _row(
        lambda c: vw.evaluate(c.model, [], []),
        IPE,
        r"features must be one run or a non-empty list.*got list",
        "evaluate-features-empty",
    ),
    _row(
        lambda c: vw.evaluate(c.model, _features(c), "fmri.npy"),
        IPE,
        r"fmri must be one run or a non-empty list of runs, got str",
        "evaluate-fmri-path",
    ),
    _row(
        lambda c: vw.evaluate(c.model, [_features(c), _features(c)], [np.zeros((6, 1000))]),
        IPE,
        r"Got 2 feature runs but 1 fmri runs; give one fmri array per run",
        "evaluate-run-count",
    ),
    _row(
        lambda c: vw.evaluate(c.model, _features(c), np.zeros((6, 999))),
        SE,
        r"fmri run 0 has shape \(6, 999\); expected \(n_tr, 1000\)",
        "evaluate-fmri-width",
    ),
    _row(
        lambda c: vw.evaluate(c.model, _features(c), np.zeros(6)),
        SE,
        r"fmri run 0 has shape \(6,\); expected",
        "evaluate-fmri-1d",
    ),
    _row(
        lambda c: vw.evaluate(c.model, _features(c), np.zeros((5, 1000))),
        SE,
        r"features have 6 TRs but fmri has 5; trim both",
        "evaluate-trs",
    ),
    _row(
        lambda c: vw.evaluate(c.model, _features(c), np.full((6, 1000), INF)),
        SE,
        r"fmri run 0 contains NaN or infinite values",
        "evaluate-fmri-inf",
    ),
    _row(
        lambda c: vw.evaluate(c.model, {"text": np.zeros((6, _w(c, "text")))}, np.zeros((6, 1000))),
        SE,
        r"features must have exactly the keys \['audio', 'text', 'video'\]; "
        r"missing \['audio', 'video'\]",
        "evaluate-features-missing",
    ),
    _row(
        lambda c: vw.evaluate(c.model, _features(c), np.zeros((6, 1000)), subject=4),
        IPE,
        r"Invalid subject 4: valid subjects are \[1, 2, 3, 5\]",
        "evaluate-subject",
    ),
    # -- encode_many --------------------------------------------------------------------------
    _row(
        lambda c: _many(c, backend="spark"),
        IPE,
        r"backend must be one of \['local', 'ray'\], got 'spark'",
        "many-backend",
    ),
    _row(
        lambda c: _many(c, spec=5),
        IPE,
        r"model_spec must be a ModelSpec, a dict such as .* got int",
        "many-spec-int",
    ),
    _row(
        lambda c: _many(c, spec={"model_variant": "demo"}),
        IPE,
        r"model_spec dict needs 'model_variant' and 'subject'.*got keys \['model_variant'\]",
        "many-spec-no-subject",
    ),
    _row(
        lambda c: _many(c, spec={"model_variant": "demo", "subject": 4}),
        IPE,
        r"Invalid subject 4",
        "many-spec-subject",
    ),
    _row(
        lambda c: _many(c, spec={"model_variant": "", "subject": 1}),
        IPE,
        r"model_variant must be 'demo', a Hub repo id or a folder, got ''",
        "many-spec-variant",
    ),
    _row(
        lambda c: _many(c, spec={"model_variant": "demo", "subject": 1, "missing_audio": "x"}),
        IPE,
        r"missing_audio must be one of \['error', 'silence'\], got 'x'",
        "many-spec-missing_audio",
    ),
    _row(
        lambda c: _many(c, items=42),
        IPE,
        r"items must be a folder or a list of items, got int",
        "many-items-int",
    ),
    _row(
        lambda c: _many(c, items=[]), IPE, r"items is empty: nothing to encode", "many-items-empty"
    ),
    _row(
        lambda c: _many(c, items=c.tmp),
        IPE,
        r"holds no video \(\.mp4.*give a folder of\s+movies",
        "many-items-folder-without-video",
    ),
    _row(
        lambda c: _many(c, items=[3]),
        IPE,
        r"Cannot read item 3: give a video path, a \(video, transcripts\) pair",
        "many-item-int",
    ),
    _row(
        lambda c: _many(c, items=[(c.clip.video_path, 5)]),
        SE,
        r"transcripts must be a list of str, one transcript string per TR, got int",
        "many-item-transcripts-int",
    ),
    _row(
        lambda c: _many(c, items=[(c.clip.video_path, c.clip.transcripts)] * 2),
        IPE,
        r"Two items are named 'sample'.*give them distinct names",
        "many-items-duplicate-names",
    ),
    _row(
        lambda c: _many(
            c,
            items=[{"video": c.clip.video_path, "transcripts": c.clip.transcripts, "name": "../x"}],
        ),
        IPE,
        r"Item name '\.\./x' .* cannot name an output file: use letters",
        "many-item-name-path",
    ),
    _row(
        lambda c: _many(c, items=[{"movie": "a.mp4"}]),
        IPE,
        r"item dict needs 'video'.*got keys \['movie'\]",
        "many-item-dict-keys",
    ),
    _row(
        lambda c: _many(c, out_dir=5),
        IPE,
        r"out_dir must be a folder path.*got int \(5\)",
        "many-out_dir-int",
    ),
    _row(
        lambda c: _many(c, out_dir=c.clip.video_path),
        CE,
        r"Cannot create the output folder .*sample\.mp4.*choose a writable folder",
        "many-out_dir-is-a-file",
    ),
    _row(
        lambda c: _many(c, resume="yes"),
        IPE,
        r"resume must be True or False, got 'yes'",
        "many-resume-str",
    ),
    _row(
        lambda c: _many(c, show_progress=1),
        IPE,
        r"show_progress must be True or False, got 1",
        "many-show_progress-int",
    ),
    _row(
        lambda c: _many(c, max_retries=-1),
        IPE,
        r"max_retries must be an int >= 0, got -1",
        "many-max_retries",
    ),
    _row(
        lambda c: _many(c, num_workers=0),
        IPE,
        r"num_workers must be an int >= 1 or None .* got 0",
        "many-num_workers-zero",
    ),
    _row(
        lambda c: _many(c, video_workers=1.5),
        IPE,
        r"video_workers must be an int >= 0 or None .* got 1\.5",
        "many-video_workers-float",
    ),
    _row(
        lambda c: _many(c, gpus_per_worker="1"),
        IPE,
        r"gpus_per_worker must be a number >= 0 .* got '1'",
        "many-gpus_per_worker-str",
    ),
    _row(
        lambda c: _many(c, ray_address=6379),
        IPE,
        r"ray_address must be a string such as 'HOST:6379'",
        "many-ray_address-int",
    ),
    _row(
        lambda c: _many(c, on_event=print.__name__),
        IPE,
        r"on_event must be a function taking one dict.*got str",
        "many-on_event-str",
    ),
    _row(
        lambda c: vw.encode_many(
            c.model, [(c.clip.video_path, c.clip.transcripts)], c.tmp / "m", cache_dir=c.tmp / "c"
        ),
        IPE,
        r"cache_dir cannot change the feature cache of a loaded EncodingModel: "
        r"load it with\s+feature_cache=",
        "many-cache_dir-with-loaded-model",
    ),
    # -- estimate_resources ---------------------------------------------------------------------
    _row(
        lambda c: vw.estimate_resources({"tr": 1.49}),
        IPE,
        r"config must be a VIBEConfig \(e\.g\. model\.config\), got dict",
        "resources-config-dict",
    ),
    _row(
        lambda c: vw.estimate_resources(n_tr=0),
        IPE,
        r"n_tr must be a positive int of TRs, got 0",
        "resources-n_tr-zero",
    ),
    _row(lambda c: vw.estimate_resources(n_tr=1.5), IPE, r"got 1\.5", "resources-n_tr-float"),
    _row(lambda c: vw.estimate_resources(n_tr=True), IPE, r"got True", "resources-n_tr-bool"),
    _row(
        lambda c: vw.estimate_resources(c.model.config, variant_folder=c.tmp / "nothing"),
        MLE,
        r"No config for extractor .*nothing/text_extractor.*not a local folder",
        "resources-variant_folder-missing",
    ),
    _row(
        lambda c: vw.estimate_resources(low_mem_use="yes"),
        IPE,
        r"low_mem_use must be True or False, got 'yes'",
        "resources-low_mem_use-str",
    ),
    _row(
        lambda c: vw.estimate_resources(variant_folder=5),
        IPE,
        r"variant_folder must be a folder path.*got int",
        "resources-variant_folder-int",
    ),
    # -- media parameters -------------------------------------------------------------------
    _row(lambda c: media.probe(42), IPE, r"str or pathlib\.Path, got int \(42\)", "probe-int"),
    _row(
        lambda c: media.decode_audio(c.clip.video_path, sample_rate=16000.0),
        IPE,
        r"sample_rate must be a positive int \(Hz\), got 16000\.0",
        "decode_audio-rate-float",
    ),
    _row(
        lambda c: media.decode_audio(c.clip.video_path, sample_rate=0),
        IPE,
        r"got 0",
        "decode_audio-rate-zero",
    ),
    _row(
        lambda c: media.decode_audio(c.clip.video_path, missing_audio=None),
        IPE,
        r"missing_audio must be 'error' or 'silence', got None",
        "decode_audio-missing_audio",
    ),
    _row(
        lambda c: media.iter_frame_windows(c.clip.video_path, np.zeros((1, 2)), (4, 4)),
        IPE,
        r"integer array.*got float64",
        "frames-windows-float",
    ),
    _row(
        lambda c: media.iter_frame_windows(c.clip.video_path, np.zeros(2, int), (4, 4)),
        IPE,
        r"shape \(n_windows, n_samples\).*shape \(2,\)",
        "frames-windows-1d",
    ),
    _row(
        lambda c: media.iter_frame_windows(c.clip.video_path, np.zeros((1, 2), int), (0, 4)),
        IPE,
        r"size must be \(height, width\) in pixels >= 1, got \(0, 4\)",
        "frames-size-zero",
    ),
    _row(
        lambda c: media.iter_frame_windows(
            c.clip.video_path, np.zeros((1, 2), int), (4, 4), max_missing=-1
        ),
        IPE,
        r"max_missing must be an int >= 0, got -1",
        "frames-max_missing",
    ),
    _row(
        lambda c: media.make_browser_proxy(c.clip.video_path, c.tmp / "p.mp4", max_height=True),
        IPE,
        r"max_height must be an int >= 16, got True",
        "proxy-max_height-bool",
    ),
    _row(
        lambda c: media.make_browser_proxy(c.clip.video_path, c.tmp / "p.mp4", crf=-1),
        IPE,
        r"crf must be an int in 0\.\.51, got -1",
        "proxy-crf",
    ),
    _row(
        lambda c: media.browser_proxy(c.clip.video_path, max_mb=0),
        IPE,
        r"max_mb must be a positive number",
        "proxy-max_mb-zero",
    ),
]


def _text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _call(call, ctx) -> None:
    result = call(ctx)
    if hasattr(result, "__next__"):  # a generator checks its arguments when created
        next(result)


@pytest.mark.parametrize(("call", "exc", "pattern"), ROWS)
def test_bad_input_is_refused_with_a_message_naming_it(
    call, exc, pattern, demo_model, clip, tmp_path: Path
):
    ctx = SimpleNamespace(model=demo_model, clip=clip, tmp=tmp_path)
    with pytest.raises(exc) as info:
        _call(call, ctx)
    assert isinstance(info.value, vw.VibeError)
    assert info.type.__module__ == "vibe_widgets.errors"
    assert re.search(pattern, str(info.value), re.DOTALL), str(info.value)


# Text that must be accepted as it is: right-to-left, emoji, control characters, very long.
AWKWARD_LINES = [
    "مرحبا بالعالم، هذا اختبار",  # Arabic, right to left
    "שלום עולם",  # Hebrew
    "\u202eevil override\u202c and \u200f marks",  # bidi controls
    "🎬🧠👍🏽 family: 👨‍👩‍👧",  # emoji, skin tone, ZWJ sequence
    "tab\there, bell\a, escape\x1b[31m, nul\x00, cr\rlf\n",  # C0 controls
    "e\u0301 combining, \ufeff BOM, \u2028 line separator",
    "<script>alert(1)</script>&amp;\"'",  # markup stays text
    "x" * 20_000,  # one very long line
    "",
]


def test_awkward_transcripts_are_accepted_and_kept_exactly(tmp_path: Path):
    lines = check_transcripts(AWKWARD_LINES)
    assert lines == AWKWARD_LINES
    editor = vw.TranscriptEditor(AWKWARD_LINES)
    for suffix in (".json", ".tsv"):
        path = editor.save(tmp_path / f"awkward{suffix}")
        assert vw.TranscriptEditor.load(path).transcripts == AWKWARD_LINES


def test_awkward_transcripts_encode_to_finite_responses(demo_model, clip):
    stimulus = (AWKWARD_LINES * 4)[: len(clip.transcripts)]
    with pytest.warns(UserWarning, match="longer than max_context_tokens"):  # 20 000 chars
        responses = vw.encode(demo_model, stimulus, clip.video_path, show_progress=False)
    assert responses.shape == (30, 1000)
    assert bool(torch.isfinite(responses).all())


def test_the_matrix_covers_every_public_verb_and_widget():
    """Every public callable of the package has at least one row (or a reason it has none)."""
    no_parameters = {"sample_clip", "load_atlas"}  # nothing to get wrong
    ids = " ".join(row.id for row in ROWS)
    covered = {
        "get_encoding_model": "gem-",
        "encode": "encode-",
        "encode_features": "features-",
        "get_model_metadata": "metadata-",
        "get_model_variants": "variants-",
        "get_variant_configs": "variants-",
        "VIBEConfig": "config-",
        "Explorer": "explorer-",
        "VideoPlayer": "player-",
        "TranscriptEditor": "editor-",
        "NetworkTimecourse": "timecourse-",
        "GlassBrain": "glass-",
        "link": "link-",
        "unlink": "unlink-",
        "export_html": "export-",
        "plot_glass_brain": "plot-glass-",
        "plot_network_timecourses": "plot-timecourses-",
        "generate_glass_brain_animation": "animation-",
        "render_movie_with_brain": "render-",
        "fit": "fit-",
        "evaluate": "evaluate-",
        "encode_many": "many-",
        "estimate_resources": "resources-",
    }
    callables = {
        name
        for name in vw.__all__
        if callable(getattr(vw, name))
        and not (isinstance(getattr(vw, name), type) and issubclass(getattr(vw, name), Exception))
    }
    missing = sorted(
        callables - set(covered) - no_parameters - {"EncodingModel", "VIBEModel", "Atlas"}
    )
    assert missing == []
    for name, prefix in covered.items():
        assert prefix in ids, name
