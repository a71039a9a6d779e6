"""The simulator behind the demo fit: HRF, stimulus drives of the sample clip, parcel groups."""

from __future__ import annotations

import numpy as np
import pytest

import vibe_widgets as vw
from vibe_widgets.engine.atlas import load_atlas
from vibe_widgets.engine.demo.simulate import (
    canonical_hrf,
    parcel_weights,
    simulate_responses,
    stimulus_measures,
)


@pytest.fixture(scope="module")
def clip():
    return vw.sample_clip()


@pytest.fixture(scope="module")
def raw(clip):
    return stimulus_measures(clip.video_path, clip.transcripts, convolve=False)


def test_canonical_hrf_peaks_at_5_s_with_an_undershoot_and_unit_sum():
    hrf = canonical_hrf(0.1)
    assert np.argmax(hrf) * 0.1 == pytest.approx(5.0, abs=0.1)
    assert hrf.min() < 0
    assert 12 < np.argmin(hrf) * 0.1 < 18
    assert hrf.sum() == pytest.approx(1.0)


def test_drives_of_the_sample_clip_follow_its_cuts_speech_and_words(clip, raw):
    # The beach -> forest hard cut starts TR 7: the largest frame-to-frame change.
    assert int(np.argmax(raw["visual_change"])) == 7
    speech = np.array([bool(t) for t in clip.transcripts])
    envelope = raw["audio_envelope"]
    assert envelope[~speech].max() < 0.2 * envelope[speech].min()
    words = raw["word_onsets"]
    assert (words > 0).tolist() == speech.tolist()
    counts = np.array([len(t.split()) for t in clip.transcripts])
    # One impulse per word, averaged over the TR's 14-15 bins of 0.1 s.
    np.testing.assert_allclose(words[speech] / counts[speech], 1 / 14.5, rtol=0.04)


def test_parcel_groups_are_the_documented_networks():
    weights = parcel_weights()
    atlas = load_atlas()
    assert (weights[0] > 0).tolist() == (atlas.networks == "Vis").tolist()
    assert (weights[1] > 0).tolist() == (atlas.networks == "SomMot").tolist()
    language = np.array(["Default_Temp" in s or "LH_Default_PFC" in s for s in atlas.labels])
    assert (weights[2] > 0).tolist() == language.tolist()
    assert weights.max() <= 1.0


def test_simulated_visual_parcels_lag_visual_change_by_the_hrf(clip, raw):
    sim = simulate_responses(clip.video_path, clip.transcripts, seed=0)
    assert sim.fmri.shape == (30, 1000)
    assert sim.fmri.dtype == np.float32
    np.testing.assert_allclose(sim.fmri.mean(axis=0), 0, atol=1e-5)
    vis = load_atlas().networks == "Vis"
    signal = sim.signal[:, vis].mean(axis=1)
    change = raw["visual_change"]
    lags = [np.corrcoef(change[: 30 - lag], signal[lag:])[0, 1] for lag in range(7)]
    assert int(np.argmax(lags)) in (3, 4)  # 4.5-6 s: the HRF's 5 s peak
    undriven = sim.weights.sum(axis=0) == 0
    assert np.all(sim.signal[:, undriven] == 0)
    again = simulate_responses(clip.video_path, clip.transcripts, seed=0)
    np.testing.assert_array_equal(sim.fmri, again.fmri)
    other = simulate_responses(clip.video_path, clip.transcripts, seed=1)
    assert not np.array_equal(sim.fmri, other.fmri)


# --------------------------------------------------------------------------- independent checks
# Each drive recomputed here from the file with plain PyAV/numpy/scipy, not through the module.


def _per_tr(values: np.ndarray, n_tr: int, tr: float, rate: float = 10.0) -> np.ndarray:
    """Mean over each TR of a series sampled at ``rate`` Hz (bin centres decide the TR)."""
    centres = (np.arange(len(values)) + 0.5) / rate
    out = np.zeros(n_tr)
    for i in range(n_tr):
        inside = (centres >= i * tr) & (centres < (i + 1) * tr)
        out[i] = values[inside].mean()
    return out


def test_canonical_hrf_is_spm_double_gamma_from_scipy():
    stats = pytest.importorskip("scipy.stats")
    t = np.arange(320) * 0.1
    expected = stats.gamma.pdf(t, 6) - stats.gamma.pdf(t, 16) / 6
    np.testing.assert_allclose(canonical_hrf(0.1), expected / expected.sum(), rtol=1e-9)


def test_visual_change_is_the_mean_absolute_grey_difference_of_consecutive_frames(clip, raw):
    import av

    greys = []
    with av.open(str(clip.video_path)) as container:
        for frame in container.decode(video=0):
            rgb = frame.to_ndarray(format="rgb24", width=64, height=36).astype(np.float64)
            greys.append(rgb.mean(axis=-1) / 255.0)
    greys = np.stack(greys)
    diffs = np.abs(np.diff(greys, axis=0)).mean(axis=(1, 2))
    # Difference k (frames k -> k+1) lands in the 0.1 s bin of frame k+1.
    n_bins = int(np.ceil(len(greys) / 24.0 * 10)) + 1
    binned = np.zeros(n_bins)
    np.add.at(binned, ((np.arange(1, len(greys)) / 24.0) * 10).astype(int), diffs)
    expected = _per_tr(binned, 30, clip.tr)
    # Another scaler (FFmpeg's here, the module's resize there): same series up to rounding.
    assert np.corrcoef(expected, raw["visual_change"])[0, 1] > 0.99
    np.testing.assert_allclose(raw["visual_change"], expected, rtol=0.15, atol=2e-4)


def test_audio_envelope_is_the_rms_per_tenth_of_a_second(clip, raw):
    import av

    chunks = []
    with av.open(str(clip.video_path)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=16_000)
        for frame in container.decode(audio=0):
            chunks += [f.to_ndarray().ravel() for f in resampler.resample(frame)]
        chunks += [f.to_ndarray().ravel() for f in resampler.resample(None)]
    samples = np.concatenate(chunks).astype(np.float64)
    blocks = samples[: len(samples) // 1600 * 1600].reshape(-1, 1600)
    rms = np.sqrt((blocks**2).mean(axis=1))
    n_bins = int(np.ceil(45.25 * 10)) + 1
    rms = np.pad(rms, (0, max(0, n_bins - len(rms))))[:n_bins]
    np.testing.assert_allclose(raw["audio_envelope"], _per_tr(rms, 30, clip.tr), atol=2e-3)


def test_convolved_drive_is_the_centred_event_series_through_the_hrf(clip, raw):
    convolved = stimulus_measures(clip.video_path, clip.transcripts)["word_onsets"]
    # Events rebuilt from the transcript alone: words spread over [onset + 0.05, offset - 0.1].
    n_bins = int(np.ceil(45.25 * 10)) + 1
    events = np.zeros(n_bins)
    for i, text in enumerate(clip.transcripts):
        words = text.split()
        for k in range(len(words)):
            events[int((i * clip.tr + 0.05 + k * (clip.tr - 0.15) / len(words)) * 10)] += 1
    hrf = canonical_hrf(0.1)
    full = np.array([
        sum(hrf[j] * (events[n - j] - events.mean()) for j in range(min(n + 1, len(hrf))))
        for n in range(n_bins)
    ])  # fmt: skip
    np.testing.assert_allclose(convolved, _per_tr(full, 30, clip.tr), atol=1e-12)
    np.testing.assert_allclose(raw["word_onsets"], _per_tr(events, 30, clip.tr), atol=1e-12)


def test_simulated_fmri_is_weighted_zscored_drives_plus_noise_of_the_given_sd(clip):
    sim = simulate_responses(clip.video_path, clip.transcripts, seed=3, noise=0.8)
    measures = stimulus_measures(clip.video_path, clip.transcripts)
    drives = np.stack([measures[k] for k in ("visual_change", "audio_envelope", "word_onsets")], 1)
    drives = (drives - drives.mean(0)) / drives.std(0)
    np.testing.assert_allclose(sim.signal, drives @ parcel_weights(), atol=1e-12)
    noise = 0.8 * np.random.default_rng(3).standard_normal((30, 1000))
    noisy = sim.signal + noise
    expected = (noisy - noisy.mean(0)) / noisy.std(0)
    np.testing.assert_allclose(sim.fmri, expected, atol=1e-5)
    silent = simulate_responses(clip.video_path, clip.transcripts, noise=0.0)
    driven = parcel_weights().sum(axis=0) > 0
    expected = sim.signal[:, driven] / sim.signal[:, driven].std(0)
    np.testing.assert_allclose(silent.fmri[:, driven], expected, atol=1e-5)
