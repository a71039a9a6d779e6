"""Audio: decoding to 16 kHz mono, the causal TR windows, and the AST feature extractor."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from safetensors.torch import load_file
from synthetic import write_audio_only, write_video

from vibe_widgets.engine.demo.audio_model import build_tiny_audio_extractor
from vibe_widgets.engine.features.audio import (
    AudioFeatureExtractor,
    KaldiFilterBank,
    quiet_mel_filter_warning,
    tr_patch_bounds,
)
from vibe_widgets.engine.media import decode_audio, probe
from vibe_widgets.engine.timing import audio_windows
from vibe_widgets.errors import InvalidParameterError, MediaError, ModelLoadError

SR = 16_000
TR = 1.49


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing here may reach the Hugging Face Hub.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audio-media")


@pytest.fixture(scope="module")
def tiny_ast(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_audio_extractor(tmp_path_factory.mktemp("models") / "ast", seed=0)


@pytest.fixture(scope="module")
def signal() -> np.ndarray:
    """14 s of deterministic audio: noise plus a tone whose pitch rises over time."""
    rng = np.random.default_rng(7)
    t = np.arange(14 * SR) / SR
    tone = 0.3 * np.sin(2 * np.pi * (200 + 40 * t) * t)
    return (tone + 0.05 * rng.standard_normal(t.size)).astype(np.float32)


def _spectrum_peak(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return float(np.fft.rfftfreq(x.size, 1 / rate)[np.argmax(spectrum)])


def _band_energy(x: np.ndarray, rate: int, freq: float, width: float = 10.0) -> float:
    power = np.abs(np.fft.rfft(x * np.hanning(x.size))) ** 2
    freqs = np.fft.rfftfreq(x.size, 1 / rate)
    return float(power[np.abs(freqs - freq) < width].sum() / power.sum())


def _write_stereo(path: Path, seconds: float = 2.0, rate: int = 44_100) -> Path:
    """Left channel 440 Hz, right channel 660 Hz."""
    t = np.arange(int(seconds * rate)) / rate
    channels = np.stack([0.3 * np.sin(2 * np.pi * 440 * t), 0.3 * np.sin(2 * np.pi * 660 * t)])
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=rate)
        stream.layout = "stereo"
        for start in range(0, t.size, 1024):
            block = channels[:, start : start + 1024].astype(np.float32)
            frame = av.AudioFrame.from_ndarray(block, format="fltp", layout="stereo")
            frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def _faststart_copy(src: Path, dst: Path) -> Path:
    """Remux with the index (moov) first, so that a truncated copy still opens."""
    with (
        av.open(str(src)) as inp,
        av.open(str(dst), "w", "mp4", options={"movflags": "+faststart"}) as out,
    ):
        streams = {s.index: out.add_stream_from_template(s) for s in inp.streams}
        for packet in inp.demux():
            if packet.dts is None:
                continue
            packet.stream = streams[packet.stream.index]
            out.mux(packet)
    return dst


# -- decode_audio ----------------------------------------------------------------------------


@pytest.mark.parametrize("source_rate", [44_100, 48_000])
def test_decode_audio_is_16khz_mono_float32_with_the_tone_at_440hz(media: Path, source_rate: int):
    path = write_video(media / f"tone-{source_rate}.mp4", seconds=3.0, sample_rate=source_rate)
    x = decode_audio(path)
    assert x.dtype == np.float32
    assert x.ndim == 1
    # AAC adds up to a few frames of priming/padding: tens of milliseconds.
    assert abs(x.size - 3.0 * SR) < 0.05 * SR
    assert np.abs(x).max() <= 1.0
    middle = x[SR // 2 : SR // 2 + 2 * SR]
    assert abs(_spectrum_peak(middle, SR) - 440) < 2
    assert _band_energy(middle, SR, 440) > 0.9


def test_decode_audio_other_sample_rate(media: Path):
    path = write_video(media / "tone-8k.mp4", seconds=2.0)
    x = decode_audio(path, sample_rate=8_000)
    assert abs(x.size - 2.0 * 8_000) < 0.05 * 8_000
    assert abs(_spectrum_peak(x[1000:9000], 8_000) - 440) < 2


def test_decode_audio_mixes_stereo_channels_into_mono(media: Path):
    x = decode_audio(_write_stereo(media / "stereo.m4a"))
    assert x.ndim == 1
    assert abs(x.size - 2.0 * SR) < 0.05 * SR
    middle = x[SR // 4 : SR // 4 + SR]
    left, right = _band_energy(middle, SR, 440), _band_energy(middle, SR, 660)
    # Both channels are in the mix, with equal weight.
    assert left > 0.4
    assert right > 0.4
    assert left == pytest.approx(right, rel=0.1)


def test_decode_audio_of_an_audio_only_file(media: Path):
    x = decode_audio(write_audio_only(media / "only.m4a", seconds=2.0))
    assert abs(x.size - 2.0 * SR) < 0.05 * SR
    assert abs(_spectrum_peak(x[SR // 4 : SR // 4 + SR], SR) - 220) < 2


def test_decode_audio_without_audio_raises_or_gives_silence(media: Path):
    path = write_video(media / "mute.mp4", seconds=2.5, audio=False)
    with pytest.raises(MediaError, match=r"mute\.mp4.*has no audio") as raised:
        decode_audio(path)
    assert 'missing_audio="silence"' in str(raised.value)
    silence = decode_audio(path, missing_audio="silence")
    assert silence.dtype == np.float32
    assert silence.size == round(probe(path).duration * SR) == 40_000
    assert not silence.any()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"missing_audio": "zeros"}, "missing_audio"),
        ({"missing_audio": None}, "missing_audio"),
        ({"sample_rate": 0}, "sample_rate"),
        ({"sample_rate": 16_000.0}, "sample_rate"),
    ],
)
def test_decode_audio_rejects_bad_options(media: Path, kwargs: dict, match: str):
    path = write_video(media / "opts.mp4", seconds=1.0)
    with pytest.raises(InvalidParameterError, match=match):
        decode_audio(path, **kwargs)


def test_decode_audio_missing_file(tmp_path: Path):
    with pytest.raises(MediaError, match="not found"):
        decode_audio(tmp_path / "nope.mp4")


def test_decode_audio_truncated_file_without_index(media: Path, tmp_path: Path):
    whole = write_video(media / "whole.mp4", seconds=3.0).read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole[: len(whole) * 6 // 10])
    with pytest.raises(MediaError, match=r"cut\.mp4"):
        decode_audio(cut)


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.9])
def test_decode_audio_truncated_mid_stream(media: Path, tmp_path: Path, fraction: float):
    fast = _faststart_copy(write_video(media / "src.mp4", seconds=3.0), media / "fast.mp4")
    assert abs(decode_audio(fast).size - 3.0 * SR) < 0.05 * SR
    data = fast.read_bytes()
    cut = tmp_path / "cut-fast.mp4"
    cut.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(MediaError, match=r"cut-fast\.mp4.*(truncated|corrupt)"):
        decode_audio(cut)


# -- audio_windows ---------------------------------------------------------------------------


def _reference_windows(n_tr: int, tr: float, duration: float, sr: int = SR) -> list[list[int]]:
    """REFERENCE.md §4, written plainly."""
    rows = []
    for i in range(n_tr):
        w_end = min((i + 1) * tr, duration)
        w_start = max(0, w_end - 10.24)
        rows.append([int(w_start * sr), int(w_end * sr)])
    return rows


@settings(max_examples=300, deadline=None)
@given(
    n_tr=st.integers(0, 400),
    tr=st.floats(0.05, 5.0),
    duration=st.floats(0.0, 600.0),
)
def test_audio_windows_match_the_reference_formula(n_tr: int, tr: float, duration: float):
    bounds = audio_windows(n_tr, tr, duration)
    assert bounds.dtype == np.int64
    assert bounds.shape == (n_tr, 2)
    assert bounds.tolist() == _reference_windows(n_tr, tr, duration)


def test_audio_windows_known_values():
    bounds = audio_windows(40, TR, 45.2556875)
    assert bounds[0].tolist() == [0, 23_840]  # the first TR: 1.49 s from the start
    # TR 6 is the first full window, 0.19 s .. 10.43 s; 0.19 * 16000 is 3039.99... in
    # floating point and int() truncates it, exactly as the published code does.
    assert bounds[6].tolist() == [3_039, 166_880]
    assert bounds[5, 0] == 0
    # From TR 30 on ((30 + 1) * 1.49 > 45.26 s) every window ends at the last sample.
    assert (bounds[30:, 1] == 724_091).all()
    assert (bounds[30:, 0] == 560_251).all()
    assert bounds[29, 1] == int(30 * TR * SR) < 724_091


@pytest.mark.parametrize(
    "args",
    [(-1, TR, 10.0), (True, TR, 10.0), (3, 0.0, 10.0), (3, TR, -1.0), (3, TR, float("nan"))],
)
def test_audio_windows_reject_bad_arguments(args: tuple):
    with pytest.raises(InvalidParameterError):
        audio_windows(*args)


# -- pooling bounds --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        (10.24, (86, 101)),  # a full window: its last 1.49 s are patches 86..100
        (TR, (0, 14)),  # the first TR: int(1.49 / 10.24 * 101) = 14
        (2 * TR, (14, 29)),  # the second TR of an early, short window
        (0.05, (0, 1)),  # shorter than one patch: still one patch
        (0.0, (0, 1)),
    ],
)
def test_tr_patch_bounds(length: float, expected: tuple[int, int]):
    first, stop = tr_patch_bounds(np.array([length]), TR, 101, 10.24)
    assert (int(first[0]), int(stop[0])) == expected


# -- the extractor against an independent reference ------------------------------------------


def _reference_features(
    folder: Path, samples: np.ndarray, n_tr: int, tr: float, last_layer_index: int
) -> np.ndarray:
    """The published recipe, one TR at a time, from a freshly loaded unmodified model."""
    from transformers import ASTFeatureExtractor, ASTModel

    with quiet_mel_filter_warning():
        processor = ASTFeatureExtractor.from_pretrained(folder)
    model = ASTModel.from_pretrained(folder).eval()
    duration = samples.size / SR
    rows = []
    for i in range(n_tr):
        w_end = min((i + 1) * tr, duration)
        w_start = max(0, w_end - 10.24)
        clip = samples[int(w_start * SR) : int(w_end * SR)]
        inputs = processor(clip, sampling_rate=SR, padding="max_length", return_tensors="pt")
        with torch.no_grad():
            out = model(**inputs, output_hidden_states=True)
        tokens = out.hidden_states[-last_layer_index][0, 2:, :]
        per_time = tokens.reshape(12, 101, -1).mean(dim=0)
        length = w_end - w_start
        start = int(max(0, length - tr) / 10.24 * 101)
        end = min(int(length / 10.24 * 101), 101)
        if end <= start:
            end = start + 1
        if length == pytest.approx(10.24):
            assert (start, end) == (86, 101)
        chosen = per_time[start:end]
        rows.append(torch.cat([chosen.mean(dim=0), chosen.std(dim=0, unbiased=False)]).numpy())
    return np.stack(rows)


@pytest.mark.parametrize(
    ("last_layer_index", "n_tr"),
    [
        (2, 12),  # the published setting; audio (14 s) ends inside TR 9, so 9..11 clamp
        (1, 4),  # the last layer's output
        (4, 4),  # the embeddings (3 layers + 1)
    ],
)
def test_extract_matches_the_reference(
    tiny_ast: Path, signal: np.ndarray, last_layer_index: int, n_tr: int
):
    extractor = AudioFeatureExtractor(
        tiny_ast, last_layer_index=last_layer_index, batch_size=5, local_files_only=True
    )
    features = extractor.extract(signal, n_tr, TR)
    assert features.shape == (n_tr, 64)
    assert features.dtype == np.float32
    reference = _reference_features(tiny_ast, signal, n_tr, TR, last_layer_index)
    np.testing.assert_allclose(features, reference, atol=1e-5, rtol=0)
    # The features are not degenerate: rows differ and stds are positive.
    assert np.abs(np.diff(features[:4], axis=0)).max() > 1e-3
    assert (features[:, 32:] > 0).all()


def test_extract_properties_and_short_audio(tiny_ast: Path, signal: np.ndarray):
    extractor = AudioFeatureExtractor(tiny_ast, local_files_only=True)
    assert extractor.feature_size == 64
    assert extractor.patch_grid == (12, 101)
    assert extractor.window_seconds == 10.24
    assert extractor.sample_rate == SR
    assert extractor.extract(signal, 0, TR).shape == (0, 64)
    # 14 s of audio and 12 TRs (17.88 s): TRs 9..11 all see the last 10.24 s.
    features = extractor.extract(signal, 12, TR)
    np.testing.assert_array_equal(features[9], features[11])
    # Very short audio (10 ms, under one filter-bank frame) still gives one row per TR.
    tiny = extractor.extract(signal[:160], 2, TR)
    assert tiny.shape == (2, 64)
    assert np.isfinite(tiny).all()


def test_extract_is_causal(tiny_ast: Path, signal: np.ndarray):
    extractor = AudioFeatureExtractor(tiny_ast, local_files_only=True)
    before = extractor.extract(signal, 8, TR)
    changed = signal.copy()
    changed[int(5 * TR * SR) :] = 0.0  # silence everything after TR 4
    after = extractor.extract(changed, 8, TR)
    np.testing.assert_array_equal(before[:5], after[:5])
    assert np.abs(before[5:] - after[5:]).max(axis=1).min() > 1e-4


def test_unload_and_reload_give_the_same_features(tiny_ast: Path, signal: np.ndarray):
    extractor = AudioFeatureExtractor(tiny_ast, local_files_only=True)
    assert not extractor.is_loaded
    first = extractor.extract(signal[: 4 * SR], 2, TR)
    assert extractor.is_loaded
    extractor.unload()
    assert not extractor.is_loaded
    np.testing.assert_array_equal(extractor.extract(signal[: 4 * SR], 2, TR), first)


# -- bad inputs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("samples", "n_tr", "tr", "match"),
    [
        (np.zeros((2, 32_000), np.float32), 1, TR, "1-D"),
        (np.array([0.0, np.nan, 0.1] * 8000, np.float32), 1, TR, "NaN"),
        (np.array([0.0, np.inf] * 8000), 1, TR, "infinite"),
        (np.zeros(32_000, np.int16), 1, TR, "floating"),
        (np.zeros(32_000, np.float32), -1, TR, "n_tr"),
        (np.zeros(32_000, np.float32), 1.0, TR, "n_tr"),
        (np.zeros(32_000, np.float32), 1, 0.0, "tr"),
    ],
)
def test_extract_rejects_bad_inputs(tiny_ast: Path, samples, n_tr, tr, match: str):
    extractor = AudioFeatureExtractor(tiny_ast, local_files_only=True)
    with pytest.raises(InvalidParameterError, match=match):
        extractor.extract(samples, n_tr, tr)


@pytest.mark.parametrize(
    "kwargs",
    [{"last_layer_index": 0}, {"batch_size": 0}, {"dtype": torch.int64}, {"device": "nodevice"}],
)
def test_constructor_rejects_bad_settings(tiny_ast: Path, kwargs: dict):
    with pytest.raises(InvalidParameterError):
        AudioFeatureExtractor(tiny_ast, **kwargs)


def test_last_layer_index_beyond_the_model(tiny_ast: Path):
    extractor = AudioFeatureExtractor(tiny_ast, last_layer_index=5, local_files_only=True)
    with pytest.raises(InvalidParameterError, match="4 hidden states"):
        extractor.extract(np.zeros(SR, np.float32), 1, TR)


def test_missing_model_folder(tmp_path: Path):
    missing = tmp_path / "no-such-model"
    extractor = AudioFeatureExtractor(missing)  # local_files_only from HF_HUB_OFFLINE=1
    with pytest.raises(ModelLoadError, match="no-such-model"):
        extractor.extract(np.zeros(SR, np.float32), 1, TR)


def test_folder_without_weights(tiny_ast: Path, tmp_path: Path):
    folder = tmp_path / "no-weights"
    folder.mkdir()
    for name in ("config.json", "preprocessor_config.json"):
        shutil.copy(tiny_ast / name, folder / name)
    with pytest.raises(ModelLoadError, match="no-weights"):
        AudioFeatureExtractor(folder, local_files_only=True).load()


def test_a_non_ast_model_is_refused(tmp_path: Path):
    from transformers import BertConfig

    BertConfig(hidden_size=8, num_hidden_layers=1, num_attention_heads=2).save_pretrained(tmp_path)
    with pytest.raises(ModelLoadError, match="not an Audio Spectrogram Transformer"):
        AudioFeatureExtractor(tmp_path, local_files_only=True).load()


def test_feature_extractor_that_does_not_fit_the_model(tiny_ast: Path, tmp_path: Path):
    folder = shutil.copytree(tiny_ast, tmp_path / "mismatch")
    settings_path = folder / "preprocessor_config.json"
    processor = json.loads(settings_path.read_text())
    processor["max_length"] = 512
    settings_path.write_text(json.dumps(processor))
    with pytest.raises(ModelLoadError, match="max_length"):
        AudioFeatureExtractor(folder, local_files_only=True).load()


def test_token_count_that_does_not_fit_the_grid(tiny_ast: Path):
    extractor = AudioFeatureExtractor(tiny_ast, local_files_only=True)
    with pytest.raises(ModelLoadError, match="1200 patch tokens"):
        extractor._time_tokens(torch.zeros(1, 2 + 1200, 32), 12, 101)


# -- the tiny model builder ------------------------------------------------------------------


def test_tiny_builder_is_deterministic_and_has_the_published_geometry(tmp_path: Path):
    from transformers import AutoConfig, AutoFeatureExtractor

    a = build_tiny_audio_extractor(tmp_path / "a", seed=3, hidden_size=16, num_layers=2)
    b = build_tiny_audio_extractor(tmp_path / "b", seed=3, hidden_size=16, num_layers=2)
    c = build_tiny_audio_extractor(tmp_path / "c", seed=4, hidden_size=16, num_layers=2)
    wa, wb, wc = (load_file(folder / "model.safetensors") for folder in (a, b, c))
    assert wa.keys() == wb.keys()
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    assert any(not torch.equal(wa[k], wc[k]) for k in wa)
    config = AutoConfig.from_pretrained(a, local_files_only=True)
    assert config.model_type == "audio-spectrogram-transformer"
    assert (config.hidden_size, config.num_hidden_layers) == (16, 2)
    assert (config.num_mel_bins, config.max_length) == (128, 1024)
    assert (config.frequency_stride, config.time_stride, config.patch_size) == (10, 10, 16)
    with quiet_mel_filter_warning():
        processor = AutoFeatureExtractor.from_pretrained(a, local_files_only=True)
    assert type(processor).__name__ == "ASTFeatureExtractor"
    assert (processor.sampling_rate, processor.max_length) == (SR, 1024)
    assert AudioFeatureExtractor(a, local_files_only=True).feature_size == 32


def test_tiny_builder_rejects_bad_sizes(tmp_path: Path):
    with pytest.raises(InvalidParameterError, match="hidden_size"):
        build_tiny_audio_extractor(tmp_path, hidden_size=30)
    with pytest.raises(InvalidParameterError, match="num_layers"):
        build_tiny_audio_extractor(tmp_path, num_layers=0)


# -- the batched filter bank ------------------------------------------------------------------


def _processor(**kwargs):
    from transformers import ASTFeatureExtractor

    with quiet_mel_filter_warning():
        return ASTFeatureExtractor(**kwargs)


@pytest.fixture(scope="module")
def movie_audio() -> np.ndarray:
    """The shipped sample movie's soundtrack, decoded by PyAV (45 s of speech and music)."""
    from vibe_widgets import sample_clip

    return decode_audio(sample_clip().video_path)


@pytest.mark.parametrize(
    "settings",
    [
        {},  # the published AST settings
        {"mean": 1.5, "std": 0.25},  # its own normalisation constants are used
        {"do_normalize": False},
        {"num_mel_bins": 64, "max_length": 300},  # shorter inputs: truncation at 3 s
    ],
)
def test_filter_bank_matches_the_real_feature_extractor(movie_audio: np.ndarray, settings: dict):
    processor = _processor(**settings)
    duration = movie_audio.size / SR
    bounds = audio_windows(30, TR, duration, 10.24, SR)
    # Windows off the 10 ms grid, longer than max_length (truncated), shorter than one
    # 25 ms frame (zero-padded to one), exactly one frame, and ending at the last sample.
    extra = [[0, 12 * SR], [17, 17 + 3 * SR + 5], [1000, 1100], [5, 405], [0, 1]]
    extra.append([movie_audio.size - 2 * SR, movie_audio.size])
    bounds = np.vstack([bounds, extra])
    ours = KaldiFilterBank(processor).windows(movie_audio, bounds)
    clips = [movie_audio[s:e] for s, e in bounds]
    clips = [np.pad(c, (0, 400 - c.size)) if c.size < 400 else c for c in clips]
    reference = processor(clips, sampling_rate=SR, padding="max_length", return_tensors="pt")
    reference = reference["input_values"]
    expected_shape = (len(bounds), processor.max_length, processor.num_mel_bins)
    assert ours.shape == reference.shape == expected_shape
    assert ours.dtype == torch.float32
    # float32 rounding of the log-mel values (up to ~35 here): a few units in the last place.
    np.testing.assert_allclose(ours.numpy(), reference.numpy(), atol=2e-6, rtol=1e-6)
    # Not vacuous: the windows differ, and padding differs from audio.
    assert (ours[10] - ours[11]).abs().max() > 0.1
    assert (ours[-4, 1:] - ours[-4, 0]).abs().max() > 0.1


def test_filter_bank_refuses_other_processors():
    from transformers import WhisperFeatureExtractor

    assert not KaldiFilterBank.supports(WhisperFeatureExtractor())
    assert not KaldiFilterBank.supports(_processor(sampling_rate=8000))
    with pytest.raises(ModelLoadError, match="ASTFeatureExtractor at 16 kHz"):
        KaldiFilterBank(WhisperFeatureExtractor())


def test_extract_uses_the_filter_bank_and_matches_the_processor_path(
    tiny_ast: Path, movie_audio: np.ndarray
):
    extractor = AudioFeatureExtractor(tiny_ast, batch_size=7, local_files_only=True)
    fast = extractor.extract(movie_audio, 20, TR)
    assert isinstance(extractor._fbank, KaldiFilterBank)
    extractor._fbank = None  # the feature extractor itself, one clip at a time
    slow = extractor.extract(movie_audio, 20, TR)
    np.testing.assert_allclose(fast, slow, atol=1e-5, rtol=0)


# -- on CUDA -------------------------------------------------------------------------------


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.usefixtures("no_tf32")
def test_cuda_demo_extractor_gives_the_cpu_features(
    tmp_path: Path, signal: np.ndarray
):
    from vibe_widgets.engine.demo.variant import write_demo_variant

    # TF32 off (no_tf32; cuDNN would use it for the patch convolution): float32 on CUDA
    # differs from the CPU by summation order only, ~1e-6 against features of size ~1.
    folder = write_demo_variant(tmp_path / "demo", fitted=False) / "audio_extractor"
    n_tr = 9
    on_cpu = AudioFeatureExtractor(folder).extract(signal, n_tr, TR)
    extractor = AudioFeatureExtractor(folder, device="cuda", batch_size=4)
    on_gpu = extractor.extract(signal, n_tr, TR)
    assert next(extractor._model.parameters()).device.type == "cuda"
    assert on_gpu.dtype == np.float32
    assert on_gpu.shape == on_cpu.shape
    scale = np.abs(on_cpu).max()
    assert np.abs(np.diff(on_cpu, axis=0)).max() > 1e-2 * scale  # TRs really differ
    np.testing.assert_allclose(on_gpu, on_cpu, atol=1e-4 * scale, rtol=0)
