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
