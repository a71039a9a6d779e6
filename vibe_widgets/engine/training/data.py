"""Training data: runs of per-TR features and fMRI, from arrays or a folder of ``.npz`` files."""

from __future__ import annotations

import dataclasses
import numbers
import os
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vibe_widgets.engine.config import MODALITIES, VIBEConfig
from vibe_widgets.errors import InvalidParameterError, StimulusError

__all__ = ["Batch", "Run", "collate", "load_runs"]

_FMRI_KEY = "fmri"


@dataclasses.dataclass(frozen=True, eq=False)
class Run:
    """One fMRI run: per-TR features of the movie and the measured responses.

    Attributes
    ----------
    name : str
        Identifies the run in messages and in ``val_runs``.
    features : dict of str to numpy.ndarray
        ``"audio"``, ``"text"``, ``"video"``: float32 arrays of shape (n_tr, d_modality).
    fmri : numpy.ndarray
        float32 array of shape (n_tr, n_parcels), Schaefer-1000 order.
    subject : int
        Subject id (1, 2, 3, 5 for CNeuroMod; other ids are new subjects).
    """

    name: str
    features: dict[str, np.ndarray]
    fmri: np.ndarray
    subject: int

    @property
    def n_tr(self) -> int:
        """Number of TRs."""
        return int(self.fmri.shape[0])


@dataclasses.dataclass
class Batch:
    """Padded runs, ready for the network.

    Attributes
    ----------
    features : dict of str to torch.Tensor
        Shape (batch, max_tr, d_modality), zero on padding.
    fmri : torch.Tensor
        Shape (batch, max_tr, n_parcels), zero on padding.
    mask : torch.Tensor
        Bool of shape (batch, max_tr), False on padding.
    rows : torch.Tensor
        Long of shape (batch,): subject-embedding rows.
    """

    features: dict[str, torch.Tensor]
    fmri: torch.Tensor
    mask: torch.Tensor
    rows: torch.Tensor


def _array(value: Any, what: str) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    array = np.asarray(value)
    if array.dtype.kind not in "iuf":
        raise StimulusError(f"{what} must be a real numeric array, got dtype {array.dtype}.")
    array = np.ascontiguousarray(array, dtype=np.float32)
    if array.ndim != 2:
        raise StimulusError(f"{what} must be 2-D (n_tr, width), got shape {array.shape}.")
    if not np.isfinite(array).all():
        raise StimulusError(f"{what} contains NaN or infinite values; fill or drop those TRs.")
    return array


def _subject(value: Any, name: str) -> int:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 0:
        raise InvalidParameterError(
            f"Run {name!r}: subject must be a non-negative int (1, 2, 3, 5 for CNeuroMod), "
            f"got {value!r}. Pass subject= to fit() or store a 'subject' entry with the run."
        )
    return int(value)


def _make_run(name: str, data: Mapping[str, Any], subject: Any, config: VIBEConfig) -> Run:
    missing = [k for k in (*MODALITIES, _FMRI_KEY) if k not in data]
    if missing:
        raise StimulusError(
            f"Run {name!r} lacks {missing}: each run needs the keys "
            f"{[*MODALITIES, _FMRI_KEY]} (and optionally 'subject')."
        )
    widths = config.input_dims
    features = {}
    for modality in MODALITIES:
        array = _array(data[modality], f"Run {name!r} {modality!r} features")
        if array.shape[1] != widths[modality]:
            raise StimulusError(
                f"Run {name!r}: {modality!r} features have width {array.shape[1]}, the "
                f"config expects {widths[modality]}. Extract them with the variant's extractor."
            )
        features[modality] = array
    fmri = _array(data[_FMRI_KEY], f"Run {name!r} fmri")
    if fmri.shape[1] != config.num_rois:
        raise StimulusError(
            f"Run {name!r}: fmri has {fmri.shape[1]} columns, expected {config.num_rois} "
            "(Schaefer-1000 parcels, 7-network order)."
        )
    rows = {k: v.shape[0] for k, v in features.items()} | {_FMRI_KEY: fmri.shape[0]}
    if len(set(rows.values())) != 1:
        raise StimulusError(
            f"Run {name!r}: features and fmri must have the same number of TRs, got {rows}. "
            "Trim them to a common length (the shortest) before fitting."
        )
    if fmri.shape[0] < 2:
        raise StimulusError(f"Run {name!r} has {fmri.shape[0]} TR(s): at least 2 are needed.")
    if "subject" in data:
        subject = data["subject"]
    return Run(name, features, fmri, _subject(subject, name))


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise StimulusError(f"Cannot read run file {str(path)!r}: {exc}") from exc


def load_runs(
    source: Any,
    config: VIBEConfig,
    *,
    subject: int | None = None,
) -> list[Run]:
    """Validate training runs into `Run` objects.

    Parameters
    ----------
    source : folder, list or dict
        A folder of ``.npz`` files (one run each, named by file stem, in sorted order) with
        arrays ``audio`` (n_tr, d_audio), ``text`` (n_tr, d_text), ``video`` (n_tr, d_video),
        ``fmri`` (n_tr, 1000) and optionally a scalar ``subject``; or a list of such
        mappings (an optional ``"name"`` entry names them) or of `Run`; or a dict of
        run name to mapping.
    config : VIBEConfig
        Gives the expected feature widths and parcel count.
    subject : int, optional
        Subject of every run that does not say its own.

    Returns
    -------
    list of Run

    Raises
    ------
    StimulusError
        For a missing key, a wrong width, unequal TR counts or non-finite values.
    InvalidParameterError
        For an empty source, duplicate names or a missing subject.
    """
    items: list[tuple[str, Any]]
    if isinstance(source, (str, os.PathLike)):
        folder = Path(source).expanduser()
        if not folder.is_dir():
            raise InvalidParameterError(
                f"Run folder {str(folder)!r} does not exist; give a folder of .npz runs or "
                "a list of {'audio', 'text', 'video', 'fmri'} mappings."
            )
        files = sorted(folder.glob("*.npz"))
        if not files:
            raise InvalidParameterError(
                f"Run folder {str(folder)!r} holds no .npz files; save each run with "
                "numpy.savez(path, audio=..., text=..., video=..., fmri=..., subject=...)."
            )
        items = [(p.stem, _read_npz(p)) for p in files]
    elif isinstance(source, Mapping):
        items = [(str(k), v) for k, v in source.items()]
    elif isinstance(source, Sequence) and not isinstance(source, (str, bytes)):
        items = []
        for i, item in enumerate(source):
            if isinstance(item, Run):
                items.append((item.name, item))
            elif isinstance(item, Mapping):
                items.append((str(item.get("name", f"run-{i}")), item))
            else:
                raise InvalidParameterError(
                    f"runs[{i}] is a {type(item).__name__}; expected a Run or a mapping with "
                    "'audio', 'text', 'video' and 'fmri' arrays."
                )
    else:
        raise InvalidParameterError(
            f"runs must be a folder, a list or a dict of runs, got {type(source).__name__}."
        )
    if not items:
        raise InvalidParameterError("No runs given: fitting needs at least one run.")
    runs = []
    for name, item in items:
        if isinstance(item, Run):
            item = {**item.features, _FMRI_KEY: item.fmri, "subject": item.subject}
        if not isinstance(item, Mapping):
            raise InvalidParameterError(f"Run {name!r} must be a mapping of arrays.")
        runs.append(_make_run(name, item, subject, config))
    names = [r.name for r in runs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InvalidParameterError(f"Run names must be unique; repeated: {duplicates}.")
    return runs


def collate(
    runs: Sequence[Run],
    rows: Mapping[int, int],
    device: torch.device,
    *,
    crop: int | None = None,
    generator: torch.Generator | None = None,
) -> Batch:
    """Pad runs to the longest one (or crop each to a random window of ``crop`` TRs).

    Parameters
    ----------
    runs : sequence of Run
    rows : mapping of int to int
        Subject id -> embedding row.
    device : torch.device
    crop : int, optional
        Longest window kept per run; the start is drawn from ``generator``.
    generator : torch.Generator, optional
        CPU generator for the crop starts (deterministic fitting).

    Returns
    -------
    Batch
    """
    spans = []
    for run in runs:
        start, length = 0, run.n_tr
        if crop is not None and run.n_tr > crop:
            start = int(torch.randint(run.n_tr - crop + 1, (1,), generator=generator))
            length = crop
        spans.append((start, length))
    longest = max(length for _, length in spans)
    batch = len(runs)
    features = {m: torch.zeros(batch, longest, runs[0].features[m].shape[1]) for m in MODALITIES}
    fmri = torch.zeros(batch, longest, runs[0].fmri.shape[1])
    mask = torch.zeros(batch, longest, dtype=torch.bool)
    for i, (run, (start, length)) in enumerate(zip(runs, spans, strict=True)):
        window = slice(start, start + length)
        for m in MODALITIES:
            features[m][i, :length] = torch.from_numpy(run.features[m][window])
        fmri[i, :length] = torch.from_numpy(run.fmri[window])
        mask[i, :length] = True
    return Batch(
        features={m: t.to(device) for m, t in features.items()},
        fmri=fmri.to(device),
        mask=mask.to(device),
        rows=torch.tensor([rows[r.subject] for r in runs], device=device),
    )
