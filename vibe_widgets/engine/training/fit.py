"""``fit``: train a VIBE network on per-TR features and fMRI with the published recipe.

The recipe: loss = -Pearson r over time per parcel (padding masked) + 0.03 x MSE; AdamW
with a short warm-up and a cosine schedule; gradient-norm clipping; 20 % of the time steps
of every training sequence have their inputs zeroed; early stopping on held-out runs picks
the epoch count, then every seed is trained on all runs for that many epochs. The seeds
start from one shared initialisation and their weights are averaged into the saved
network (a "model soup"), so the result is one ordinary variant folder.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from tqdm.auto import tqdm

from vibe_widgets.engine.config import MODALITIES, SUBJECTS, VIBEConfig
from vibe_widgets.engine.encoder import resolve_device
from vibe_widgets.engine.model import VIBEModel
from vibe_widgets.engine.training.data import Batch, Run, collate, load_runs
from vibe_widgets.engine.training.loss import DEFAULT_MSE_WEIGHT, pearson_r, vibe_loss
from vibe_widgets.errors import InvalidParameterError

__all__ = ["FitResult", "FitSettings", "fit", "fold_standardization", "forward_masked"]

_LABEL_KEY = "vibe_widgets"  # the package's block in config.json (see demo.variant)
_CHECKPOINT_DIR = ".fit-checkpoint"
_NEW_SUBJECT_MODES = ("enlarge", "null")


@dataclasses.dataclass(frozen=True)
class FitSettings:
    """The optimisation settings of one `fit` call (all recorded in ``config.json``)."""

    max_epochs: int = 100
    patience: int = 10
    epochs: int | None = None
    lr: float = 3e-4
    weight_decay: float = 0.01
    warmup_fraction: float = 0.05
    batch_size: int = 4
    grad_clip: float = 1.0
    mask_ratio: float = 0.2
    mse_weight: float = DEFAULT_MSE_WEIGHT
    crop: int | None = None
    seeds: tuple[int, ...] = (0,)
    standardize: bool = True

    def __post_init__(self) -> None:
        for name in ("max_epochs", "patience", "batch_size"):
            _check_int(name, getattr(self, name), 1)
        for name in ("epochs", "crop"):
            if getattr(self, name) is not None:
                _check_int(name, getattr(self, name), 1 if name == "epochs" else 2)
        for name in ("lr", "grad_clip"):
            _check_real(name, getattr(self, name), low=0.0, low_open=True)
        _check_real("weight_decay", self.weight_decay, low=0.0)
        _check_real("mse_weight", self.mse_weight, low=0.0)
        _check_real("warmup_fraction", self.warmup_fraction, low=0.0, high=1.0)
        _check_real("mask_ratio", self.mask_ratio, low=0.0, high=1.0, high_open=True)
        seeds = self.seeds
        if isinstance(seeds, int) and not isinstance(seeds, bool):
            seeds = (seeds,)
        if (
            not isinstance(seeds, Sequence)
            or not seeds
            or any(isinstance(s, bool) or not isinstance(s, int) for s in seeds)
            or len(set(seeds)) != len(seeds)
        ):
            raise InvalidParameterError(
                f"seeds must be an int or a non-empty sequence of distinct ints, got {seeds!r}."
            )
        object.__setattr__(self, "seeds", tuple(int(s) for s in seeds))


def _check_fit_options(
    out_dir: Any,
    standardize: Any,
    show_progress: Any,
    resume: Any,
    callback: Any,
    model_card: Any,
) -> None:
    if not isinstance(out_dir, (str, os.PathLike)):
        raise InvalidParameterError(
            f"out_dir must be a folder path (str or pathlib.Path) for the fitted variant, "
            f"got {type(out_dir).__name__} ({out_dir!r})."
        )
    out = Path(out_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise InvalidParameterError(
            f"out_dir '{out}' is a file; fit writes a variant folder (config.json + "
            "model.safetensors) there. Give a new or existing folder path."
        )
    for name, value in (("show_progress", show_progress), ("resume", resume)):
        if not isinstance(value, bool):
            raise InvalidParameterError(f"{name} must be True or False, got {value!r}.")
    if standardize is not None and not isinstance(standardize, bool):
        raise InvalidParameterError(
            f"standardize must be True, False or None, got {standardize!r} "
            "(None: standardise when training from scratch, not when fine-tuning)."
        )
    if callback is not None and not callable(callback):
        raise InvalidParameterError(
            "callback must be a function taking one dict of epoch metrics, or None; "
            f"got {type(callback).__name__} ({callback!r})."
        )
    if model_card is not None and not isinstance(model_card, str):
        raise InvalidParameterError(
            "model_card must be the text (str) of the variant's README.md, or None; "
            f"got {type(model_card).__name__}."
        )


def _check_int(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidParameterError(f"{name} must be an int >= {minimum}, got {value!r}.")


def _check_real(
    name: str,
    value: Any,
    *,
    low: float,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (value > low if low_open else value >= low) and (
            high is None or (value < high if high_open else value <= high)
        )
    if not ok:
        interval = (
            ("(" if low_open else "[")
            + f"{low}, "
            + ("inf)" if high is None else f"{high}" + (")" if high_open else "]"))
        )
        raise InvalidParameterError(f"{name} must be a number in {interval}, got {value!r}.")


@dataclasses.dataclass
class FitResult:
    """What `fit` made.

    Attributes
    ----------
    path : pathlib.Path
        The variant folder (``config.json``, ``model.safetensors``, ``README.md``); load it
        with ``get_encoding_model(MODEL_ID, model_variant=path)``.
    network : VIBEModel
        The saved (seed-averaged) network, in eval mode on the CPU.
    config : VIBEConfig
    subjects : dict of int to int
        Subject id -> embedding row.
    epochs : int
        Epochs each seed was trained on all runs (chosen by early stopping unless given).
    val_history : list of float
        Mean held-out r after each epoch of the selection phase (empty when ``epochs`` was
        given).
    val_runs : list of str
        Names of the held-out runs of the selection phase.
    seconds : float
        Wall time of the call.
    """

    path: Path
    network: VIBEModel
    config: VIBEConfig
    subjects: dict[int, int]
    epochs: int
    val_history: list[float]
    val_runs: list[str]
    seconds: float

    @property
    def best_val_r(self) -> float | None:
        """The best mean held-out r of the selection phase, or None without one."""
        return max(self.val_history) if self.val_history else None


def forward_masked(
    network: VIBEModel,
    features: Mapping[str, torch.Tensor],
    rows: torch.Tensor,
    mask: torch.Tensor | None,
) -> torch.Tensor:
    """`VIBEModel.forward` with a padding mask, so padded TRs are never attended to.

    Parameters
    ----------
    network : VIBEModel
    features : mapping of str to torch.Tensor
        Each of shape (batch, n_tr, d_modality).
    rows : torch.Tensor
        Long of shape (batch,).
    mask : torch.Tensor, optional
        Bool of shape (batch, n_tr), False on padding.

    Returns
    -------
    torch.Tensor
        Shape (batch, n_tr, num_rois).
    """
    fused = network.encoder(features, rows)
    return network.output_head(network.predictor(fused, mask=mask))


# --------------------------------------------------------------------------- subjects


def _subject_rows(
    runs: Sequence[Run], config: VIBEConfig, new_subjects: str
) -> tuple[dict[int, int], int]:
    """Subject id -> embedding row, and the number of trained subject rows afterwards."""
    known = {s: i for i, s in enumerate(SUBJECTS) if i < config.num_subjects}
    new = sorted({r.subject for r in runs} - set(known))
    rows = {s: known[s] for s in sorted({r.subject for r in runs}) if s in known}
    if not new:
        return rows, config.num_subjects
    if new_subjects == "null":
        if len(new) > 1:
            raise InvalidParameterError(
                f"new_subjects='null' trains one new subject on the null-subject row, but the "
                f"runs hold {len(new)} new subjects {new}; use new_subjects='enlarge'."
            )
        rows[new[0]] = config.num_subjects
        return rows, config.num_subjects
    for k, s in enumerate(new):
        rows[s] = config.num_subjects + k
    return rows, config.num_subjects + len(new)


def _enlarged(network: VIBEModel, num_subjects: int) -> VIBEModel:
    """A copy of ``network`` with extra subject rows, each started from the null row."""
    old = network.config.num_subjects
    if num_subjects == old:
        return network
    config = dataclasses.replace(network.config, num_subjects=num_subjects)
    grown = VIBEModel(config)
    state = network.state_dict()
    table = state["encoder.subject_embeddings.weight"]
    null = table[old : old + 1]
    # The null row is the subject-agnostic embedding: the natural start for an unseen subject.
    state["encoder.subject_embeddings.weight"] = torch.cat(
        [table[:old], null.expand(num_subjects - old, -1), null]
    )
    grown.load_state_dict(state, strict=True)
    return grown


# --------------------------------------------------------------------------- optimisation


def _schedule(total_steps: int, warmup_fraction: float) -> Callable[[int], float]:
    warmup = round(total_steps * warmup_fraction)

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, total_steps - warmup)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))

    return factor


def _time_mask(batch: Batch, ratio: float, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """Zero the inputs of a random ``ratio`` of each sequence's time steps (all modalities)."""
    if ratio == 0:
        return batch.features
    drop = torch.rand(batch.mask.shape, generator=generator) < ratio
    keep = (~drop).to(batch.mask.device)[..., None].float()
    return {m: t * keep for m, t in batch.features.items()}


@torch.no_grad()
def _mean_r(
    network: VIBEModel, runs: Sequence[Run], rows: Mapping[int, int], device: torch.device
) -> float:
    """Mean over runs and parcels of the Pearson r of each whole held-out run."""
    network.eval()
    values = []
    for run in runs:
        batch = collate([run], rows, device)
        pred = forward_masked(network, batch.features, batch.rows, batch.mask)
        values.append(pearson_r(pred, batch.fmri, batch.mask).mean().item())
    return float(np.mean(values))


class _Trainer:
    """One training sequence (a seed, a run set, an epoch budget), resumable per epoch."""

    def __init__(
        self,
        network: VIBEModel,
        runs: Sequence[Run],
        rows: Mapping[int, int],
        settings: FitSettings,
        seed: int,
        total_epochs: int,
        device: torch.device,
    ) -> None:
        self.network = network.to(device)
        self.runs, self.rows, self.settings, self.device = list(runs), rows, settings, device
        self.generator = torch.Generator().manual_seed(seed)
        self.steps_per_epoch = math.ceil(len(self.runs) / settings.batch_size)
        self.optimizer = torch.optim.AdamW(
            network.parameters(), lr=settings.lr, weight_decay=settings.weight_decay
        )
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer,
            _schedule(total_epochs * self.steps_per_epoch, settings.warmup_fraction),
        )
        self.epoch = 0
        torch.manual_seed(seed)  # dropout draws from the global generator

    def run_epoch(self) -> float:
        s = self.settings
        self.network.train()
        order = torch.randperm(len(self.runs), generator=self.generator).tolist()
        losses = []
        for start in range(0, len(order), s.batch_size):
            chunk = [self.runs[i] for i in order[start : start + s.batch_size]]
            batch = collate(chunk, self.rows, self.device, crop=s.crop, generator=self.generator)
            inputs = _time_mask(batch, s.mask_ratio, self.generator)
            pred = forward_masked(self.network, inputs, batch.rows, batch.mask)
            loss = vibe_loss(pred, batch.fmri, batch.mask, mse_weight=s.mse_weight)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.network.parameters(), s.grad_clip)
            self.optimizer.step()
            self.scheduler.step()
            losses.append(loss.item())
        self.epoch += 1
        return float(np.mean(losses))

    # Checkpoints are safetensors + JSON (no pickle), like every file this package reads.
    def save(self, folder: Path, extra: Mapping[str, Any]) -> None:
        tensors = {
            f"model.{k}": v.detach().cpu().contiguous()
            for k, v in self.network.state_dict().items()
        }
        opt = self.optimizer.state_dict()
        for idx, state in opt["state"].items():
            for key, value in state.items():
                tensors[f"optim.{idx}.{key}"] = value.detach().cpu().contiguous()
        tensors["rng.generator"] = self.generator.get_state()
        tensors["rng.torch"] = torch.get_rng_state()
        if self.device.type == "cuda":
            tensors["rng.cuda"] = torch.cuda.get_rng_state(self.device)
        meta = {
            "epoch": self.epoch,
            "param_groups": opt["param_groups"],
            "scheduler": self.scheduler.state_dict(),
            **extra,
        }
        tmp = folder / "state.tmp"
        save_file(tensors, str(tmp))
        (folder / "state.json.tmp").write_text(json.dumps(meta), encoding="utf-8")
        # Weights first, then the JSON that vouches for them: a crash leaves the old pair.
        os.replace(tmp, folder / "state.safetensors")
        os.replace(folder / "state.json.tmp", folder / "state.json")

    def load(self, folder: Path) -> dict[str, Any]:
        tensors = load_file(str(folder / "state.safetensors"))
        meta = json.loads((folder / "state.json").read_text(encoding="utf-8"))
        self.network.load_state_dict(
            {k[6:]: v for k, v in tensors.items() if k.startswith("model.")}, strict=True
        )
        state: dict[int, dict[str, torch.Tensor]] = {}
        for key, value in tensors.items():
            if key.startswith("optim."):
                _, idx, name = key.split(".", 2)
                state.setdefault(int(idx), {})[name] = value
        self.optimizer.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
        self.scheduler.load_state_dict(meta["scheduler"])
        self.generator.set_state(tensors["rng.generator"])
        torch.set_rng_state(tensors["rng.torch"])
        if "rng.cuda" in tensors and self.device.type == "cuda":
            torch.cuda.set_rng_state(tensors["rng.cuda"], self.device)
        self.epoch = int(meta["epoch"])
        return meta


# --------------------------------------------------------------------------- the verb


def _digest(runs: Sequence[Run], rows: Mapping[int, int], settings: FitSettings, base: str) -> str:
    """Fingerprint of everything that decides the result: a checkpoint resumes only on a match."""
    h = hashlib.sha256()
    h.update(json.dumps([dataclasses.asdict(settings), sorted(rows.items()), base]).encode())
    for run in runs:
        h.update(run.name.encode() + str(run.subject).encode())
        for m in MODALITIES:
            h.update(run.features[m].tobytes())
        h.update(run.fmri.tobytes())
    return h.hexdigest()


def _base_network(
    config: VIBEConfig | None, init_from: Any, seed: int
) -> tuple[VIBEModel, str, str | None]:
    """The starting network, a description of it for the fingerprint, and its source label."""
    if init_from is not None:
        if config is not None:
            raise InvalidParameterError(
                "Give config= (train from scratch) or init_from= (fine-tune a variant), not both."
            )
        if isinstance(init_from, VIBEModel):
            network = VIBEModel(init_from.config)
            network.load_state_dict(init_from.state_dict(), strict=True)
            return network, "network:" + _state_digest(network), None
        from vibe_widgets.engine.hub import resolve_variant
        from vibe_widgets.engine.model import load_vibe_model

        variant = resolve_variant(init_from)
        network = load_vibe_model(variant.config, variant.weights_path)
        return network, "variant:" + _state_digest(network), variant.name
    if not isinstance(config, VIBEConfig):
        raise InvalidParameterError(
            "fit() needs config=VIBEConfig(...) to train a new network, or init_from=<variant "
            f"name, folder or repo id> to fine-tune one; got config={config!r}."
        )
    torch.manual_seed(seed)
    network = VIBEModel(config)
    return network, f"scratch:{seed}:{json.dumps(config.to_dict(), sort_keys=True)}", None


def _state_digest(network: VIBEModel) -> str:
    h = hashlib.sha256()
    for key, value in network.state_dict().items():
        h.update(key.encode() + value.detach().cpu().float().numpy().tobytes())
    return h.hexdigest()[:16]


def _averaged(states: Sequence[Mapping[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    out = {}
    for key in states[0]:
        stacked = torch.stack([s[key].float() for s in states])
        out[key] = stacked.mean(dim=0).to(states[0][key].dtype)
    return out


def _feature_stats(runs: Sequence[Run]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per-modality mean and standard deviation over all TRs of all runs: (d,) each."""
    stats = {}
    for m in MODALITIES:
        stacked = np.concatenate([r.features[m] for r in runs]).astype(np.float64)
        std = stacked.std(axis=0)
        stats[m] = stacked.mean(axis=0), np.where(std > 1e-8, std, 1.0)
    return stats


def _standardized(
    runs: Sequence[Run], stats: Mapping[str, tuple[np.ndarray, np.ndarray]]
) -> list[Run]:
    return [
        dataclasses.replace(
            r,
            features={
                m: ((r.features[m] - stats[m][0]) / stats[m][1]).astype(np.float32)
                for m in MODALITIES
            },
        )
        for r in runs
    ]


@torch.no_grad()
def fold_standardization(
    network: VIBEModel, stats: Mapping[str, tuple[np.ndarray, np.ndarray]]
) -> None:
    """Fold ``(x - mean) / std`` into each modality's first projection layer, in place.

    ``W ((x - mu) / sd) + b == (W / sd) x + (b - (W / sd) mu)``: the network then takes raw
    features, so the saved variant is an ordinary checkpoint.

    Parameters
    ----------
    network : VIBEModel
    stats : mapping of str to (numpy.ndarray, numpy.ndarray)
        Per modality, the mean and std of shape (d_modality,).
    """
    for m in MODALITIES:
        linear = network.encoder.projections[m][0]
        mean = torch.as_tensor(stats[m][0], dtype=linear.weight.dtype)
        std = torch.as_tensor(stats[m][1], dtype=linear.weight.dtype)
        linear.weight.div_(std[None, :])
        linear.bias.sub_(linear.weight @ mean)


def fit(
    runs: Any,
    out_dir: str | os.PathLike[str],
    *,
    subject: int | None = None,
    config: VIBEConfig | None = None,
    init_from: Any = None,
    new_subjects: str = "enlarge",
    val_runs: Sequence[str] | None = None,
    epochs: int | None = None,
    max_epochs: int = 100,
    patience: int = 10,
    lr: float = 3e-4,
    weight_decay: float = 0.01,
    warmup_fraction: float = 0.05,
    batch_size: int = 4,
    grad_clip: float = 1.0,
    mask_ratio: float = 0.2,
    mse_weight: float = DEFAULT_MSE_WEIGHT,
    crop: int | None = None,
    seeds: int | Sequence[int] = (0,),
    standardize: bool | None = None,
    label: str | None = None,
    save_dtype: str = "float32",
    device: str | torch.device = "auto",
    show_progress: bool = True,
    resume: bool = True,
    callback: Callable[[dict[str, Any]], None] | None = None,
    model_card: str | None = None,
) -> FitResult:
    """Train a VIBE network on per-TR features and fMRI; save it as a variant folder.

    Parameters
    ----------
    runs : folder, list or dict
        Training runs, see `load_runs`: per run ``audio`` (n_tr, d_audio), ``text``
        (n_tr, d_text), ``video`` (n_tr, d_video) features and ``fmri`` (n_tr, 1000).
    out_dir : path-like
        The variant folder to write (``config.json``, ``model.safetensors``, ``README.md``);
        a resumable checkpoint lives in ``out_dir/.fit-checkpoint`` until the fit ends.
    subject : int, optional
        Subject of runs that do not name their own.
    config : VIBEConfig, optional
        Train a new network of this architecture (seeded by ``seeds[0]``).
    init_from : str, path-like or VIBEModel, optional
        Fine-tune this variant instead (``"demo"``, a folder or a Hub repo id).
    new_subjects : {"enlarge", "null"}
        Subjects without a row of their own (not 1, 2, 3, 5, or beyond ``num_subjects``):
        ``"enlarge"`` appends one embedding row each, started from the null-subject row;
        ``"null"`` trains a single new subject on the null-subject row itself.
    val_runs : list of str, optional
        Held-out runs for early stopping (default: the last run). Ignored with ``epochs``.
    epochs : int, optional
        Skip early stopping: train every seed on all runs for this many epochs.
    max_epochs, patience : int
        Early stopping: at most ``max_epochs``, stop after ``patience`` epochs without a
        better held-out r.
    lr, weight_decay, warmup_fraction : float
        AdamW and the schedule (linear warm-up over that fraction of steps, then cosine to 0).
    batch_size : int
        Runs per step (padded to the longest, padding masked).
    grad_clip : float
        Largest gradient norm.
    mask_ratio : float
        Fraction of time steps whose inputs are zeroed in each training sequence (0.2).
    mse_weight : float
        Weight of the MSE term of the loss (0.03).
    crop : int, optional
        Train on random windows of at most this many TRs (long runs, limited memory).
    seeds : int or sequence of int
        One network per seed, from one shared initialisation; their weights are averaged.
    standardize : bool, optional
        Train on features z-scored per dimension (mean and std over all runs) and fold that
        scaling into the first projection layers of the saved network, which then takes raw
        features. Default: True from scratch, False when fine-tuning (the variant's
        projections expect raw features).
    label : str, optional
        Shown by the widgets' banner ("Model: <label>").
    save_dtype : {"float32", "float16", "bfloat16"}
        dtype of the saved weights (the loader computes in float32).
    device : str or torch.device
        ``"auto"``, ``"cpu"`` or ``"cuda[:N]"``.
    show_progress : bool
        One progress bar per training sequence.
    resume : bool
        Continue from ``out_dir/.fit-checkpoint`` when it was written by the same call
        (same runs, settings and starting weights); otherwise start afresh.
    callback : callable, optional
        Called after every epoch (once its checkpoint is written) with a dict of
        ``phase``, ``seed``, ``epoch``, ``loss`` and ``val_r`` (None outside selection).
    model_card : str, optional
        Markdown for ``README.md`` (default: a card listing the data and the settings).

    Returns
    -------
    FitResult

    Raises
    ------
    InvalidParameterError
        For bad settings, a missing config or variant, unknown ``val_runs``, or early
        stopping asked for with a single run.
    StimulusError
        For malformed runs (see `load_runs`).

    Notes
    -----
    With a seed the result is reproducible on the CPU, including across an interrupted
    and resumed call; on CUDA some kernels are not bitwise deterministic.
    """
    started = time.perf_counter()
    # Checked before any training, so a typo never costs an epoch or a finished fit.
    _check_fit_options(out_dir, standardize, show_progress, resume, callback, model_card)
    settings = FitSettings(
        max_epochs=max_epochs,
        patience=patience,
        epochs=epochs,
        lr=lr,
        weight_decay=weight_decay,
        warmup_fraction=warmup_fraction,
        batch_size=batch_size,
        grad_clip=grad_clip,
        mask_ratio=mask_ratio,
        mse_weight=mse_weight,
        crop=crop,
        seeds=seeds,  # type: ignore[arg-type]
        standardize=(init_from is None) if standardize is None else bool(standardize),
    )
    if new_subjects not in _NEW_SUBJECT_MODES:
        raise InvalidParameterError(
            f"new_subjects must be one of {list(_NEW_SUBJECT_MODES)}, got {new_subjects!r}."
        )
    dtypes = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
    if save_dtype not in dtypes:
        raise InvalidParameterError(
            f"save_dtype must be one of {list(dtypes)}, got {save_dtype!r}."
        )
    if label is not None and (not isinstance(label, str) or not label.strip()):
        raise InvalidParameterError(f"label must be a non-empty string, got {label!r}.")
    dev = resolve_device(device)
    base, base_id, base_name = _base_network(config, init_from, settings.seeds[0])
    runs_ = load_runs(runs, base.config, subject=subject)
    rows, num_subjects = _subject_rows(runs_, base.config, new_subjects)
    stats = _feature_stats(runs_) if settings.standardize else None
    if stats is not None:
        runs_ = _standardized(runs_, stats)
    base = _enlarged(base, num_subjects)
    cfg = base.config

    names = [r.name for r in runs_]
    if settings.epochs is None:
        held = [names[-1]] if val_runs is None else list(val_runs)
        unknown = [n for n in held if n not in names]
        if unknown:
            raise InvalidParameterError(f"val_runs {unknown} are not run names; runs: {names}.")
        if len(held) >= len(names):
            raise InvalidParameterError(
                f"Early stopping needs a held-out run and at least one training run, got "
                f"{len(names)} run(s) and val_runs={held}. Give more runs or epochs=N."
            )
    else:
        held = []

    out = Path(out_dir).expanduser()
    ckpt = out / _CHECKPOINT_DIR
    digest = _digest(runs_, rows, settings, base_id)
    progress: dict[str, Any] = {"digest": digest, "val_history": [], "members_done": 0}
    stored: dict[str, Any] = {}
    if resume and (ckpt / "progress.json").is_file():
        try:
            stored = json.loads((ckpt / "progress.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = {}
    if stored.get("digest") == digest:
        progress = stored
    else:  # none, unreadable, or left by another call (other data or settings): start afresh
        shutil.rmtree(ckpt, ignore_errors=True)
    ckpt.mkdir(parents=True, exist_ok=True)

    def save_progress() -> None:
        tmp = ckpt / "progress.json.tmp"
        tmp.write_text(json.dumps(progress), encoding="utf-8")
        os.replace(tmp, ckpt / "progress.json")

    save_progress()

    def fresh_network() -> VIBEModel:
        network = VIBEModel(cfg)
        network.load_state_dict(base.state_dict(), strict=True)
        return network

    def train(
        phase: str, seed: int, train_runs: list[Run], n_epochs: int, val: list[Run]
    ) -> tuple[_Trainer, list[float]]:
        trainer = _Trainer(fresh_network(), train_runs, rows, settings, seed, n_epochs, dev)
        folder = ckpt / phase
        folder.mkdir(exist_ok=True)
        extra: dict[str, Any] = {"history": [], "best": -math.inf, "stale": 0}
        if (folder / "state.json").is_file():
            extra = {k: v for k, v in trainer.load(folder).items() if k in extra}
        bar = tqdm(
            total=n_epochs,
            initial=trainer.epoch,
            desc=f"{phase} (seed {seed})",
            disable=not show_progress,
            leave=False,
        )
        try:
            while trainer.epoch < n_epochs and (not val or extra["stale"] < settings.patience):
                loss = trainer.run_epoch()
                val_r = None
                if val:
                    val_r = _mean_r(trainer.network, val, rows, dev)
                    extra["history"].append(val_r)
                    if val_r > extra["best"]:
                        extra["best"], extra["stale"] = val_r, 0
                    else:
                        extra["stale"] += 1
                trainer.save(folder, extra)
                bar.update(1)
                info = {"phase": phase, "seed": seed, "epoch": trainer.epoch}
                info |= {"loss": loss, "val_r": val_r}
                bar.set_postfix(loss=f"{loss:.4f}", val_r="-" if val_r is None else f"{val_r:.4f}")
                if callback is not None:
                    callback(info)
        finally:
            bar.close()
        return trainer, extra["history"]

    # 1. Selection: how many epochs, from early stopping on the held-out runs.
    if settings.epochs is None:
        if "epochs" not in progress:
            train_runs = [r for r in runs_ if r.name not in held]
            val = [r for r in runs_ if r.name in held]
            _, history = train("select", settings.seeds[0], train_runs, settings.max_epochs, val)
            progress["val_history"] = history
            progress["epochs"] = int(np.argmax(history)) + 1
            save_progress()
        n_epochs = int(progress["epochs"])
    else:
        n_epochs = settings.epochs
        progress["epochs"] = n_epochs

    # 2. Every seed on all runs for that many epochs; members are kept until the average.
    for k, seed in enumerate(settings.seeds):
        member_file = ckpt / f"member-{seed}.safetensors"
        if k < progress["members_done"] and member_file.is_file():
            continue
        trainer, _ = train(f"member-{seed}", seed, runs_, n_epochs, [])
        save_file(
            {k_: v.detach().cpu().contiguous() for k_, v in trainer.network.state_dict().items()},
            str(member_file),
        )
        progress["members_done"] = k + 1
        save_progress()
        shutil.rmtree(ckpt / f"member-{seed}", ignore_errors=True)

    states = [load_file(str(ckpt / f"member-{s}.safetensors")) for s in settings.seeds]
    network = VIBEModel(cfg)
    network.load_state_dict(_averaged(states), strict=True)
    if stats is not None:
        fold_standardization(network, stats)
    network.eval()

    result = FitResult(
        path=out,
        network=network,
        config=cfg,
        subjects=dict(rows),
        epochs=n_epochs,
        val_history=[float(v) for v in progress["val_history"]],
        val_runs=held,
        seconds=time.perf_counter() - started,
    )
    _write_variant(
        out,
        network,
        dtypes[save_dtype],
        info={
            "label": label or f"fitted with vibe_widgets.fit ({len(runs_)} runs)",
            "kind": "fitted",
            "subjects": {str(s): r for s, r in rows.items()},
            "fit": {
                **dataclasses.asdict(settings),
                "epochs_trained": n_epochs,
                "val_runs": held,
                "val_history": result.val_history,
                "train_runs": names,
                "init_from": base_name,
                "save_dtype": save_dtype,
            },
        },
        card=model_card or _default_card(result, settings, names, base_name),
    )
    shutil.rmtree(ckpt, ignore_errors=True)
    return result


def _write_variant(
    folder: Path, network: VIBEModel, dtype: torch.dtype, info: Mapping[str, Any], card: str
) -> None:
    """``config.json`` (with the package's block), ``model.safetensors`` and ``README.md``."""
    folder.mkdir(parents=True, exist_ok=True)
    state = {
        k: v.detach().cpu().to(dtype if v.is_floating_point() else v.dtype).contiguous()
        for k, v in network.state_dict().items()
    }
    save_file(state, str(folder / "model.safetensors.tmp"))
    os.replace(folder / "model.safetensors.tmp", folder / "model.safetensors")
    data = network.config.to_dict()
    data[_LABEL_KEY] = dict(info)
    (folder / "config.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    (folder / "README.md").write_text(card, encoding="utf-8")


def _default_card(
    result: FitResult, settings: FitSettings, names: Sequence[str], base: str | None
) -> str:
    start = f"fine-tuned from `{base}`" if base else "trained from scratch"
    held = (
        f"Early stopping on held-out run(s) {result.val_runs} chose {result.epochs} epochs "
        f"(best held-out mean r = {result.best_val_r:.4f})."
        if result.val_history
        else f"Trained for a fixed {result.epochs} epochs (no held-out selection)."
    )
    return (
        "# VIBE variant fitted with vibe-widgets\n\n"
        f"{start.capitalize()} on {len(names)} run(s) ({', '.join(names)}) with "
        "`vibe_widgets.fit`. Subjects -> embedding rows: "
        f"{json.dumps({str(k): v for k, v in result.subjects.items()})}.\n\n"
        f"{held} Then {len(settings.seeds)} seed(s) {list(settings.seeds)} were trained on all "
        "runs for that many epochs from one initialisation and their weights averaged.\n\n"
        "Recipe: loss = -Pearson r over time per parcel + "
        f"{settings.mse_weight} x MSE; AdamW (lr {settings.lr}, weight decay "
        f"{settings.weight_decay}), warm-up then cosine schedule, gradient clipping at "
        f"{settings.grad_clip}, {settings.mask_ratio:.0%} of time steps masked.\n"
    )
