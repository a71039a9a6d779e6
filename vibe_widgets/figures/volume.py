"""The Schaefer label volume: finding it offline, painting parcel values into it, drawing it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from vibe_widgets.engine.atlas import N_PARCELS
from vibe_widgets.errors import InvalidParameterError

__all__ = ["SCHAEFER_IMAGE", "find_schaefer_image", "paint_parcels", "plot_volume_glass_brain"]

SCHAEFER_IMAGE = "Schaefer2018_1000Parcels_7Networks_order_FSLMNI152_2mm.nii.gz"
"""File name of the label volume (as nilearn's ``fetch_atlas_schaefer_2018`` stores it)."""

_NILEARN_SUBDIR = "schaefer_2018"


def _nilearn_candidates() -> list[Path]:
    from nilearn.datasets import get_data_dirs

    return [Path(d) / _NILEARN_SUBDIR / SCHAEFER_IMAGE for d in get_data_dirs()]


def find_schaefer_image(path: str | os.PathLike | None = None) -> Path:
    """The Schaefer 1000-parcel 7-network label volume on this machine (no download).

    Parameters
    ----------
    path : str or Path, optional
        The NIfTI file, or a folder holding it. None: nilearn's data folders
        (``nilearn.datasets.get_data_dirs()``, ``$NILEARN_DATA``), under ``schaefer_2018/``.

    Returns
    -------
    Path

    Raises
    ------
    InvalidParameterError
        When the file is not there; the message names where it was looked for and how
        to get it.
    """
    if path is not None:
        if not isinstance(path, (str, os.PathLike)):
            raise InvalidParameterError(
                f"atlas_image must be a path or a nibabel image, got {type(path).__name__}."
            )
        given = Path(path).expanduser()
        candidate = given / SCHAEFER_IMAGE if given.is_dir() else given
        if candidate.is_file():
            return candidate
        raise InvalidParameterError(
            f"The Schaefer atlas image was not found at '{candidate}'. Pass the path of "
            f"{SCHAEFER_IMAGE} (or a folder holding it)."
        )
    candidates = _nilearn_candidates()
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    places = ", ".join(f"'{c}'" for c in candidates)
    raise InvalidParameterError(
        "mode='volume' needs the Schaefer 1000-parcel label volume, which is not shipped and "
        f"was not found at {places}. Put {SCHAEFER_IMAGE} there (online, "
        "nilearn.datasets.fetch_atlas_schaefer_2018(n_rois=1000, yeo_networks=7, "
        "resolution_mm=2) does it), or pass atlas_image='/path/to/it'. Without it, use the "
        "default mode='markers', which works offline."
    )


def _label_image(atlas_image: Any) -> Any:
    import nibabel

    if atlas_image is None or isinstance(atlas_image, (str, os.PathLike)):
        path = find_schaefer_image(atlas_image)
        try:
            image = nibabel.load(str(path))
        except Exception as error:  # nibabel raises several types for unreadable files
            raise InvalidParameterError(
                f"'{path}' cannot be read as a NIfTI image ({error}); re-download it."
            ) from error
    elif hasattr(atlas_image, "get_fdata") and hasattr(atlas_image, "affine"):
        image = atlas_image
    else:
        raise InvalidParameterError(
            f"atlas_image must be a path or a nibabel image, got {type(atlas_image).__name__}."
        )
    if len(image.shape) != 3:
        raise InvalidParameterError(
            f"The atlas image must be a 3-D label volume, got shape {image.shape}."
        )
    return image


def paint_parcels(values: np.ndarray, atlas_image: Any = None) -> Any:
    """A volume holding each parcel's value in its voxels.

    Parameters
    ----------
    values : numpy.ndarray, shape (1000,)
        Value of each parcel; NaN parcels (missing) stay 0 like the background.
    atlas_image : str, Path or nibabel image, optional
        The label volume (labels 1..1000 = parcels 0..999, 0 = background); see
        `find_schaefer_image` for where it is looked up.

    Returns
    -------
    nibabel.Nifti1Image
        float32 volume on the atlas grid.
    """
    import nibabel

    image = _label_image(atlas_image)
    labels = np.asarray(image.dataobj).astype(np.int64)
    if labels.min() < 0 or labels.max() > N_PARCELS:
        raise InvalidParameterError(
            f"The atlas image holds labels {labels.min()}..{labels.max()}; the Schaefer "
            f"1000-parcel volume has 0 (background) and 1..{N_PARCELS}. Pass that image."
        )
    values = np.asarray(values, dtype=np.float32)
    if values.shape != (N_PARCELS,):
        raise InvalidParameterError(f"values must have shape ({N_PARCELS},), got {values.shape}.")
    lookup = np.zeros(N_PARCELS + 1, dtype=np.float32)
    lookup[1:] = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
    return nibabel.Nifti1Image(lookup[labels], image.affine)


def plot_volume_glass_brain(
    values: np.ndarray,
    atlas_image: Any,
    *,
    cmap: Any,
    vmin: float,
    vmax: float,
    colorbar: bool,
    title: str,
    width: int,
    height: int,
    dpi: float,
) -> Any:
    """Draw `paint_parcels` with ``nilearn.plotting.plot_glass_brain`` on a new Agg figure.

    Parameters
    ----------
    values : numpy.ndarray, shape (1000,)
    atlas_image : str, Path or nibabel image, optional
    cmap, vmin, vmax, colorbar, title, width, height, dpi
        As in `plot_glass_brain`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from nilearn import plotting

    image = paint_parcels(values, atlas_image)
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    # Glass-brain projections keep the value of largest magnitude along each ray; the
    # background (0) stays transparent below a tiny threshold.
    plotting.plot_glass_brain(
        image,
        display_mode="ortho",
        figure=fig,
        colorbar=colorbar,
        title=title or None,
        cmap=cmap,
        vmin=vmin,
        vmax=vmax,
        plot_abs=False,
        symmetric_cbar=vmin == -vmax,
        threshold=1e-6 * max(abs(vmin), abs(vmax)),
        black_bg=False,
    )
    return fig
