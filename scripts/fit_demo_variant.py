"""Fit the demo variant's VIBE network to simulated responses; write it as package data.

Steps (all seeded, so a rerun with the same library versions gives the same files):

1. Write a demo folder with the seeded tiny extractors and a random network.
2. Write ``--clips`` synthetic training movies (`vibe_widgets.engine.demo.clips`), extract
   their features with the demo extractors and simulate their fMRI
   (`vibe_widgets.engine.demo.simulate`); subjects 1, 2, 3, 5 take turns (new noise each).
3. ``vibe_widgets.fit``: early stopping on the last ``--val`` training clips, then every
   seed on all ``--clips`` training clips; weights averaged.
4. Score on data never used for fitting or selection: ``--test`` further synthetic clips
   and the bundled sample clip, each against its own simulated fMRI; a shuffled control
   (each clip's fMRI paired with another clip's features, same settings); and the lag at
   which the visual-network mean that ``vw.encode`` predicts for the sample clip follows
   the clip's raw visual change, with a permutation control.
5. Write ``vibe_widgets/data/demo_variant/``: ``model.safetensors`` (float16),
   ``fit.json`` (settings, scores, extractor fingerprint) and ``README.md`` (model card).

Usage::

    python scripts/fit_demo_variant.py [--work /tmp/vibe-demo-fit] [--clips 96] [--test 12]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "vibe_widgets" / "data" / "demo_variant"
SUBJECTS = (1, 2, 3, 5)
SAMPLE_NOISE_SEED = 10_000


def _clip_run(model, folder: Path, k: int, n_tr: int) -> dict:
    from vibe_widgets.engine.demo.clips import write_training_clip
    from vibe_widgets.engine.demo.simulate import simulate_responses

    path = folder / f"clip-{k:03d}.mp4"
    cached = folder / f"clip-{k:03d}.npz"  # features and transcripts: the slow part
    if cached.is_file():
        with np.load(cached) as npz:
            feats = {m: npz[m] for m in ("audio", "text", "video")}
            transcripts = [str(t) for t in npz["transcripts"]]
    else:
        transcripts = write_training_clip(path, n_tr=n_tr, seed=1000 + k)
        feats = model.extract_features(transcripts, path, show_progress=False).features
        np.savez(cached, transcripts=np.array(transcripts), **feats)
    sim = simulate_responses(path, transcripts, seed=k)
    subject = np.int64(SUBJECTS[k % len(SUBJECTS)])
    return dict(feats) | {"fmri": sim.fmri, "subject": subject, "name": f"clip-{k:03d}"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/vibe-demo-fit"))
    parser.add_argument("--clips", type=int, default=96)
    parser.add_argument("--test", type=int, default=12)
    parser.add_argument("--val", type=int, default=10)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--max-epochs", type=int, default=50)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    import vibe_widgets as vw
    from vibe_widgets.engine.atlas import load_atlas
    from vibe_widgets.engine.demo.simulate import (
        parcel_weights,
        simulate_responses,
        stimulus_measures,
    )
    from vibe_widgets.engine.demo.variant import (
        demo_config,
        extractor_fingerprint,
        write_demo_variant,
    )
    from vibe_widgets.engine.training import evaluate, fit

    torch.set_num_threads(2)
    started = time.perf_counter()
    work = args.work
    (work / "clips").mkdir(parents=True, exist_ok=True)
    base = write_demo_variant(work / "untrained", fitted=False)
    model = vw.get_encoding_model(
        vw.MODEL_ID, subject=1, model_variant=base, device="cpu", feature_cache=False
    )

    print(f"simulating {args.clips} training + {args.test} test clips ...", flush=True)
    runs, test_runs = [], []
    for k in range(args.clips + args.test):
        run = _clip_run(model, work / "clips", k, n_tr=30 + 5 * (k % 3))
        (runs if k < args.clips else test_runs).append(run)
    t_data = time.perf_counter() - started

    clip = vw.sample_clip()
    sample_feats = model.extract_features(
        clip.transcripts, clip.video_path, show_progress=False
    ).features
    sample_sim = simulate_responses(clip.video_path, clip.transcripts, seed=SAMPLE_NOISE_SEED)

    settings = {
        "config": demo_config(),
        "max_epochs": args.max_epochs,
        "patience": 25,
        "lr": 1e-3,
        "weight_decay": 0.01,
        "batch_size": 4,
        "seeds": tuple(args.seeds),
        "device": "cpu",
        "show_progress": True,
    }
    val = [r["name"] for r in runs[-args.val :]]
    t0 = time.perf_counter()
    result = fit(
        runs,
        work / "fitted",
        val_runs=val,
        label="demo: fitted to simulated responses",
        **settings,
    )
    t_fit = time.perf_counter() - t0
    print(f"fit: {result.epochs} epochs, best val r {result.best_val_r:.4f}, {t_fit:.0f} s")

    # fit() writes the network only; vw.encode on a movie also needs the demo's extractors.
    for name in ("text_extractor", "audio_extractor", "video_extractor"):
        if not (result.path / name).exists():
            shutil.copytree(base / name, result.path / name)
    fitted = vw.get_encoding_model(
        vw.MODEL_ID, subject=1, model_variant=result.path, device="cpu", feature_cache=False
    )
    driven = parcel_weights().sum(axis=0) > 0
    score = evaluate(fitted, sample_feats, sample_sim.fmri)
    ceiling = np.array(
        [
            np.corrcoef(sample_sim.signal[:, p], sample_sim.fmri[:, p])[0, 1]
            for p in np.where(driven)[0]
        ]
    )
    tests = _scores(fitted, test_runs, driven)

    # Shuffled control: same recipe and epoch count, each clip's fMRI on another clip's features.
    shuffled = []
    for i, run in enumerate(runs):
        other = runs[(i + 1) % len(runs)]
        n = min(len(run["fmri"]), len(other["fmri"]))
        shuffled.append(
            {m: run[m][:n] for m in ("audio", "text", "video")}
            | {"fmri": other["fmri"][:n], "subject": run["subject"], "name": run["name"]}
        )
    control = fit(
        shuffled,
        work / "control",
        epochs=result.epochs,
        **(settings | {"seeds": (args.seeds[0],), "show_progress": False}),
    )
    control_model = vw.get_encoding_model(
        vw.MODEL_ID, subject=1, model_variant=control.path, device="cpu", feature_cache=False
    )
    control_score = evaluate(control_model, sample_feats, sample_sim.fmri)
    control_tests = _scores(control_model, test_runs, driven)

    # The Explorer's path: vw.encode on the movie, then the visual network's mean, against
    # the clip's raw (unconvolved) visual change at each lag.
    prediction = vw.encode(
        fitted, clip.transcripts, video_path=clip.video_path, show_progress=False
    ).numpy()
    vis = load_atlas().networks == "Vis"
    vis_mean = prediction[:, vis].mean(axis=1)
    change = stimulus_measures(clip.video_path, clip.transcripts, convolve=False)["visual_change"]
    lags = {lag: _lagged_r(change, vis_mean, lag) for lag in range(0, 7)}
    convolved = stimulus_measures(clip.video_path, clip.transcripts)["visual_change"]
    vis_vs_convolved = float(np.corrcoef(vis_mean, convolved)[0, 1])
    best_lag = max(lags, key=lags.get)
    # Permutation control: the same statistic (best of lags 3 and 4) on shuffled TR orders.
    rng = np.random.default_rng(0)
    null = [
        max(_lagged_r(shuffled_change, vis_mean, lag) for lag in (3, 4))
        for shuffled_change in (rng.permutation(change) for _ in range(2000))
    ]
    observed = max(lags[3], lags[4])

    args.out.mkdir(parents=True, exist_ok=True)
    state = {
        k: v.to(torch.float16).contiguous() if v.is_floating_point() else v.contiguous()
        for k, v in result.network.state_dict().items()
    }
    from safetensors.torch import save_file

    weights = args.out / "model.safetensors"
    save_file(state, str(weights))
    metrics = {
        "test_clips_mean_r_driven_parcels": round(tests["driven"], 4),
        "test_clips_network_r": {k: round(v, 4) for k, v in tests["networks"].items()},
        "test_clips_shuffled_control_mean_r_driven_parcels": round(control_tests["driven"], 4),
        "sample_clip_mean_r_all_parcels": round(score.mean_r, 4),
        "sample_clip_mean_r_driven_parcels": round(float(np.nanmean(score.r[driven])), 4),
        "sample_clip_network_r": {k: round(v, 4) for k, v in score.network_means.items()},
        "sample_clip_noise_ceiling_driven": round(float(ceiling.mean()), 4),
        "shuffled_control_mean_r_driven_parcels": round(
            float(np.nanmean(control_score.r[driven])), 4
        ),
        "shuffled_control_mean_r_all_parcels": round(control_score.mean_r, 4),
        "best_val_r_synthetic": round(result.best_val_r, 4),
        "epochs": result.epochs,
        "vis_mean_r_convolved_visual_change": round(vis_vs_convolved, 4),
        "vis_lag_correlations": {str(k): round(v, 4) for k, v in lags.items()},
        "vis_best_lag_trs": best_lag,
        "vis_best_lag_seconds": round(best_lag * clip.tr, 2),
        "vis_lag_3_4_r": round(observed, 4),
        "vis_lag_3_4_permutation_p95": round(float(np.percentile(null, 95)), 4),
        "vis_lag_3_4_permutation_p": round(float(np.mean(np.array(null) >= observed)), 4),
    }
    record = {
        "metrics": metrics,
        "settings": {k: v for k, v in settings.items() if k not in ("config",)}
        | {
            "seeds": list(args.seeds),
            "clips": args.clips,
            "val_clips": val,
            "test_clips": [r["name"] for r in test_runs],
        },
        "extractor_fingerprint": extractor_fingerprint(base),
        "weights_sha256": hashlib.sha256(weights.read_bytes()).hexdigest(),
        "seconds": {"data": round(t_data, 1), "fit": round(t_fit, 1)},
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": __import__("transformers").__version__,
            "numpy": np.__version__,
        },
    }
    (args.out / "fit.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    (args.out / "README.md").write_text(_card(metrics, record, args), encoding="utf-8")
    print(json.dumps(metrics, indent=2))
    total = time.perf_counter() - started
    print(f"weights: {weights.stat().st_size / 1e6:.2f} MB; total {total:.0f} s")
    return 0


def _lagged_r(change: np.ndarray, response: np.ndarray, lag: int) -> float:
    """Pearson r of ``change[t]`` with ``response[t + lag]`` over the TRs both cover."""
    return float(np.corrcoef(change[: len(change) - lag], response[lag:])[0, 1])


def _scores(model, runs: list[dict], driven: np.ndarray) -> dict:
    """Mean r over the driven parcels and per network, averaged over held-out clips."""
    from vibe_widgets.engine.training import evaluate

    scores = [
        evaluate(model, {m: r[m] for m in ("audio", "text", "video")}, r["fmri"]) for r in runs
    ]
    networks = scores[0].network_means.keys()
    return {
        "driven": float(np.mean([np.nanmean(s.r[driven]) for s in scores])),
        "networks": {k: float(np.mean([s.network_means[k] for s in scores])) for k in networks},
    }


def _vis_verdict(m: dict) -> str:
    best = m["vis_lag_3_4_r"]
    if best > m["vis_lag_3_4_permutation_p95"] and 3 <= m["vis_best_lag_trs"] <= 4:
        return (
            f"The visual network follows the clip's visual change {m['vis_best_lag_seconds']} s "
            f"later (r = {best} at 3-4 TRs, above the 95th percentile "
            f"{m['vis_lag_3_4_permutation_p95']} of the same statistic with the TRs shuffled; "
            f"p = {m['vis_lag_3_4_permutation_p']})."
        )
    if 3 <= m["vis_best_lag_trs"] <= 4 and best > 0:
        return (
            f"The visual network's mean peaks {m['vis_best_lag_seconds']} s after the clip's "
            f"visual change (r = {best} at 3-4 TRs), but on this clip's 30 TRs that is not "
            f"above chance: shuffling the TRs gives r up to {m['vis_lag_3_4_permutation_p95']} "
            f"(95th percentile; p = {m['vis_lag_3_4_permutation_p']}). On the held-out "
            f"synthetic clips the visual network's r is {m['test_clips_network_r']['Vis']}."
        )
    return (
        "**The visual network does not track this clip's visual change** (best r at 3-4 TRs "
        f"{best}, shuffled-TR 95th percentile {m['vis_lag_3_4_permutation_p95']}; "
        "docs/fitting.md)."
    )


def _card(metrics: dict, record: dict, args: argparse.Namespace) -> str:
    m = metrics
    networks = ", ".join(f"{k} {v}" for k, v in m["sample_clip_network_r"].items())
    test_networks = ", ".join(f"{k} {v}" for k, v in m["test_clips_network_r"].items())
    return f"""# vibe-widgets demo variant: fitted to SIMULATED responses

**Not a brain model.** The VIBE network of this variant was fitted to fMRI *simulated* by
a transparent toy model, not to any measured brain data. Its purpose is to show the
widgets and the fitting code doing something recognisable offline on a CPU. Its label,
shown in the widgets' banner, is "demo: fitted to simulated responses".

## What it was fitted to

`vibe_widgets.engine.demo.simulate`: three stimulus drives, each convolved with SPM's
canonical double-gamma haemodynamic response (peak 5 s) and averaged per TR (1.49 s),
z-scored over the run, drive three groups of Schaefer-1000 parcels with fixed random
gains in [0.5, 1]:

| drive | parcels |
|---|---|
| frame-to-frame visual change (mean absolute grey-level difference) | visual network (Vis) |
| audio envelope (RMS, 16 kHz) | somatomotor/auditory network (SomMot) |
| word onsets (each TR's words, spread over the TR) | Default_Temp, left Default_PFC |

Event series are mean-centred before the convolution (so runs do not all open with the same
HRF ramp). Every parcel gets white Gaussian noise (sd 0.8); the result is z-scored per parcel.
Parcels outside these groups are pure noise. The network never sees these drives: only the
features of the demo's tiny Qwen2 / AST / V-JEPA 2 extractors (seeded random weights, with
two hand-set pieces of a video-trained model's structure in the V-JEPA 2: half of its tubelet
filters take the difference of their two frames (motion-sensitive filters), and half of its
first layer's MLP units are opposite-sign pairs over those filters, so that GELU(a) + GELU(-a)
~ |a| adds motion *energy* to the tokens, which survives pooling over patches. It samples 16
frames over 3.2 s, so that a cut at a TR onset falls inside one tubelet).

## How it was made

`scripts/fit_demo_variant.py` (deterministic): {args.clips} synthetic movies of 30-40 TRs
(`vibe_widgets.engine.demo.clips`, drawn in the style of the sample clip: gradient skies
from night-dark to daylight with a horizon and still blocks, small objects drifting or
blinking at a per-scene pace, hard cuts every 3-10 TRs, a caption and clock overlay; noise
and tone segments, TRs with 2-5 words voiced by a syllable-rate buzz), features from the
demo's seeded tiny extractors, subjects 1, 2, 3, 5 in turn. `vibe_widgets.fit` with the
published recipe (-Pearson + 0.03 x MSE, AdamW, warm-up + cosine, gradient clipping, 20 %
of time steps masked; features z-scored, the scaling folded into the saved projections):
early stopping on the last {args.val} of those clips chose {m["epochs"]} epochs, then
seeds {list(args.seeds)} were trained on all {args.clips} clips and their weights averaged.
Weights are stored as float16 (upcast to float32 on load).

## Held-out scores (data never used in fitting or selection)

On {args.test} further synthetic clips, against their simulated responses:

* mean r over the driven parcels: **{m["test_clips_mean_r_driven_parcels"]}**; shuffled
  control (each training clip's fMRI paired with another clip's features, same recipe):
  {m["test_clips_shuffled_control_mean_r_driven_parcels"]}.
* per network: {test_networks}.

On the bundled sample clip, against its own simulated responses (noise seed
{SAMPLE_NOISE_SEED}):

* mean r over the driven parcels: **{m["sample_clip_mean_r_driven_parcels"]}** (noise
  ceiling {m["sample_clip_noise_ceiling_driven"]}); over all 1000 parcels:
  {m["sample_clip_mean_r_all_parcels"]}; shuffled control
  {m["shuffled_control_mean_r_driven_parcels"]} over the driven parcels.
* per network: {networks}.
* the visual-network mean that `vw.encode` predicts (what the Explorer shows) against the
  clip's HRF-convolved visual change: r = **{m["vis_mean_r_convolved_visual_change"]}**;
  against its raw visual change, by lag in TRs:
  {m["vis_lag_correlations"]} (highest at {m["vis_best_lag_trs"]} TRs).
  {_vis_verdict(m)}

With 30 TRs, one correlation has a standard error of about 0.18, and all parcels of a
network share one simulated drive: network-level numbers on the sample clip are noisy.

Fitted with torch {record["versions"]["torch"]}, transformers {record["versions"]["transformers"]}.
The demo's extractors are regenerated from seeds on each machine; if another version
initialises them differently, a warning says so and the predictions will not track the
drives (refit with the script).
"""


if __name__ == "__main__":
    sys.exit(main())
