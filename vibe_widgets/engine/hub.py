"""Pretrained variants: the collection listing, Hub downloads, local folders, the offline cache."""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import re
import warnings
from pathlib import Path
from typing import Any

from huggingface_hub import constants as hf_constants
from huggingface_hub import get_collection, hf_hub_download, try_to_load_from_cache
from huggingface_hub.errors import (
    EntryNotFoundError,
    HFValidationError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
)
from huggingface_hub.utils import get_session, validate_repo_id

from vibe_widgets.engine.config import COLLECTION_ID, MODEL_ID, VIBEConfig, check_model_id
from vibe_widgets.engine.demo.variant import DEMO_VARIANT_NAME, ensure_demo_variant
from vibe_widgets.engine.model import PICKLE_SUFFIXES
from vibe_widgets.engine.paths import cache_subdir
from vibe_widgets.errors import CacheError, InvalidParameterError, ModelLoadError

__all__ = [
    "CONFIG_FILENAME",
    "WEIGHTS_FILENAME",
    "ResolvedVariant",
    "find_variant_for_config",
    "get_model_variants",
    "get_variant_configs",
    "hf_hub_cache",
    "hub_reachable",
    "is_offline",
    "register_variant",
    "resolve_variant",
]

CONFIG_FILENAME = "config.json"
WEIGHTS_FILENAME = "model.safetensors"


# One short request tells whether the Hub answers at all: hf_hub_download itself retries
# a refused connection five times with back-off (about 25 s) before giving up.
_REACH_TIMEOUT_SECONDS = 5.0

_REPO_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")
_TRUE = {"1", "on", "yes", "true"}
_LISTING_FILENAME = "variants-" + COLLECTION_ID.replace("/", "--") + ".json"

# Named local variants (name -> folder with config.json and model.safetensors).
_REGISTERED: dict[str, Path] = {}


@dataclasses.dataclass(frozen=True)
class ResolvedVariant:
    """A variant whose two files are on disk.

    Attributes
    ----------
    name : str
        What the caller gave: a repo id, a registered name, or a folder path.
    source : {"hub", "local", "registered"}
        Where the files came from.
    config : VIBEConfig
        Parsed from ``config_path``.
    config_path, weights_path : pathlib.Path
        The variant's ``config.json`` and ``model.safetensors``.
    """

    name: str
    source: str
    config: VIBEConfig
    config_path: Path
    weights_path: Path


def is_offline() -> bool:
    """True when ``HF_HUB_OFFLINE`` (or ``TRANSFORMERS_OFFLINE``) is set, read at call time."""
    # huggingface_hub reads these variables once, at import; read them again so that a
    # notebook (or a test) that sets them later is honoured.
    env = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or ""
    return env.strip().lower() in _TRUE or bool(hf_constants.HF_HUB_OFFLINE)


def hub_reachable(timeout: float = _REACH_TIMEOUT_SECONDS) -> bool:
    """Whether the Hugging Face endpoint answers one request within ``timeout`` seconds.

    Uses huggingface_hub's own HTTP session (its endpoint, proxies and certificates), once,
    without retries.
    """
    try:
        get_session().head(hf_constants.ENDPOINT, timeout=timeout)
    except Exception:  # refused, unresolvable, timed out, proxy or TLS failure: all "no"
        return False
    return True


def hf_hub_cache(folder: str | os.PathLike[str] | None = None) -> Path:
    """The Hugging Face hub cache: ``folder``, else ``HF_HUB_CACHE``, else ``HF_HOME/hub``."""
    if folder is not None:
        return Path(folder).expanduser()
    env = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if env:
        return Path(env).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    return Path(hf_constants.HF_HUB_CACHE)


def register_variant(name: str, folder: str | os.PathLike[str]) -> None:
    """Make ``model_variant=name`` load the folder's config.json and model.safetensors."""
    if not isinstance(name, str) or not name or _REPO_ID.fullmatch(name):
        raise InvalidParameterError(
            f"A registered variant name must be a non-empty string without '/', got {name!r}."
        )
    if not isinstance(folder, (str, os.PathLike)) or not os.fspath(folder):
        raise InvalidParameterError(
            f"register_variant needs the folder holding {CONFIG_FILENAME} and "
            f"{WEIGHTS_FILENAME} as a str or Path, got {folder!r}."
        )
    _REGISTERED[name] = Path(folder)


def _check_repo_id(repo_id: str) -> str:
    # The Hub's own naming rules ("--", "..", leading/trailing '.' or '-', 96 characters),
    # checked before the id becomes a cache folder name or a URL.
    try:
        validate_repo_id(repo_id)
    except HFValidationError as exc:
        raise InvalidParameterError(
            f"model_variant {repo_id!r} is not a valid Hugging Face repo id ({exc}) and not an "
            f"existing folder. Give 'owner/name' as listed by get_model_variants({MODEL_ID!r}), "
            "or the path of a folder."
        ) from exc
    return repo_id


def _listing_path(cache_dir: str | os.PathLike[str] | None) -> Path:
    return cache_subdir("hub", cache_dir) / _LISTING_FILENAME


def _fill_hint(repo_id: str | None = None) -> str:
    if repo_id is None:
        return (
            f"Run vibe_widgets.get_model_variants({MODEL_ID!r}) once with "
            "network access (HF_HUB_OFFLINE unset) to store the listing, or pass "
            "model_variant='<owner>/<repo>' for a variant already in the Hugging Face cache."
        )
    return (
        f"Fill the cache once with network access (HF_HUB_OFFLINE unset): "
        f"`hf download {repo_id} {CONFIG_FILENAME} {WEIGHTS_FILENAME}`, or "
        f"get_encoding_model(..., model_variant={repo_id!r})."
    )


def _fetch_listing(hf_cache: Path) -> list[dict[str, Any]]:
    """List the collection's model repos and read each one's config.json (network)."""
    entries = []
    for item in get_collection(COLLECTION_ID).items:
        if item.item_type != "model":
            continue
        try:
            path = hf_hub_download(item.item_id, CONFIG_FILENAME, cache_dir=hf_cache)
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
            VIBEConfig.from_dict(raw)  # keep only repos whose config parses
        except (EntryNotFoundError, OSError, ValueError) as exc:
            warnings.warn(
                f"Skipping {item.item_id}: unusable {CONFIG_FILENAME} ({exc}).", stacklevel=3
            )
            continue
        entries.append({"repo_id": item.item_id, "config": raw})
    return entries


def _read_listing(path: Path) -> list[dict[str, Any]] | None:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))["variants"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CacheError(
            f"The variant listing {str(path)!r} is unreadable ({exc}); delete it and list again."
        ) from exc


def _write_listing(path: Path, entries: list[dict[str, Any]]) -> None:
    payload = {
        "collection": COLLECTION_ID,
        "fetched_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "variants": entries,
    }
    tmp = path.with_suffix(".tmp")
    try:
        tmp.write_text(json.dumps(payload, indent=1), encoding="utf-8")
        tmp.replace(path)  # atomic: a concurrent reader never sees half a file
    except OSError as exc:
        raise CacheError(f"Cannot write the variant listing {str(path)!r}: {exc}") from exc


def get_variant_configs(
    model_id: str,
    *,
    refresh: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    hf_cache_dir: str | os.PathLike[str] | None = None,
) -> dict[str, VIBEConfig]:
    """The pretrained variants of the ``ShreyDixit/vibe`` collection and their configs.

    Online, the collection is listed (when ``refresh`` or when no listing is stored) and
    the listing stored under the cache folder; offline (``HF_HUB_OFFLINE=1``) or when the
    Hub cannot be reached, the stored listing answers.

    Parameters
    ----------
    model_id : str
        Must be ``"fmri-cneuromod_algo2025-vibe"``.
    refresh : bool
        List the collection again even when a listing is stored (ignored offline).
    cache_dir : path-like, optional
        vibe-widgets cache folder (default: ``$VIBE_WIDGETS_CACHE`` or the user cache dir).
    hf_cache_dir : path-like, optional
        Hugging Face hub cache (default: ``$HF_HUB_CACHE``).

    Returns
    -------
    dict of str to VIBEConfig
        Repo id -> config, in collection order.

    Raises
    ------
    ModelLoadError
        When no listing is stored and the collection cannot be listed (offline or no network).
    """
    check_model_id(model_id)
    path = _listing_path(cache_dir)
    entries = _read_listing(path)
    if not is_offline() and (refresh or entries is None):
        try:
            entries = _fetch_listing(hf_hub_cache(hf_cache_dir))
        except Exception as exc:  # network failures come as httpx, OSError or HfHubHTTPError
            if entries is None:
                raise ModelLoadError(
                    f"Cannot list the variants of the {COLLECTION_ID!r} collection ({exc}) and "
                    f"no listing is stored in {str(path)!r}. Check the network and try again."
                ) from exc
            warnings.warn(
                f"Cannot list {COLLECTION_ID!r} ({exc}); using the stored listing {str(path)!r}.",
                stacklevel=2,
            )
        else:
            _write_listing(path, entries)
    if entries is None:
        raise ModelLoadError(
            f"Offline (HF_HUB_OFFLINE=1) and no variant listing is stored in {str(path)!r}. "
            + _fill_hint()
        )
    try:
        return {e["repo_id"]: VIBEConfig.from_dict(e["config"]) for e in entries}
    except (KeyError, TypeError, InvalidParameterError) as exc:
        raise CacheError(
            f"The variant listing {str(path)!r} is unreadable ({exc}); delete it and list again."
        ) from exc


def get_model_variants(
    model_id: str,
    *,
    refresh: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    hf_cache_dir: str | os.PathLike[str] | None = None,
) -> list[str]:
    """Repo ids of the pretrained variants in the ``ShreyDixit/vibe`` collection.

    Parameters
    ----------
    model_id : str
        ``"fmri-cneuromod_algo2025-vibe"``.
    refresh : bool
        List the collection again even when a listing is stored; offline
        (``HF_HUB_OFFLINE=1``) or when the Hub cannot be reached, the stored listing
        answers.
    cache_dir, hf_cache_dir : path-like, optional
        Where the listing and the Hugging Face cache live (see `get_variant_configs`).

    Returns
    -------
    list of str
        Repo ids such as ``"ShreyDixit/VIBE-Qwen2.5-14B"``, in collection order.
    """
    return list(
        get_variant_configs(
            model_id, refresh=refresh, cache_dir=cache_dir, hf_cache_dir=hf_cache_dir
        )
    )


def find_variant_for_config(
    config: VIBEConfig,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    hf_cache_dir: str | os.PathLike[str] | None = None,
) -> str | None:
    """The first variant (collection order) whose config equals ``config``, else ``None``.

    Uses the stored listing when there is one; lists the collection otherwise.
    """
    configs = get_variant_configs(
        MODEL_ID, refresh=False, cache_dir=cache_dir, hf_cache_dir=hf_cache_dir
    )
    return next((repo for repo, cfg in configs.items() if cfg == config), None)


def _from_folder(name: str, folder: Path, source: str) -> ResolvedVariant:
    config_path, weights_path = folder / CONFIG_FILENAME, folder / WEIGHTS_FILENAME
    if not weights_path.is_file():
        pickles = sorted(p.name for p in folder.glob("*") if p.suffix.lower() in PICKLE_SUFFIXES)
        if pickles:
            raise ModelLoadError(
                f"Variant folder {str(folder)!r} has no {WEIGHTS_FILENAME}, only pickle-based "
                f"checkpoints {pickles}, never loaded (unpickling can run arbitrary code). "
                "Convert them with safetensors.torch.save_file."
            )
        raise ModelLoadError(
            f"Variant folder {str(folder)!r} lacks {WEIGHTS_FILENAME}: it must hold "
            f"{CONFIG_FILENAME} and {WEIGHTS_FILENAME}."
        )
    if not config_path.is_file():
        raise ModelLoadError(
            f"Variant folder {str(folder)!r} lacks {CONFIG_FILENAME}: it must hold "
            f"{CONFIG_FILENAME} and {WEIGHTS_FILENAME}."
        )
    return ResolvedVariant(
        name, source, VIBEConfig.from_json(config_path), config_path, weights_path
    )


def _from_hub(repo_id: str, hf_cache: Path) -> ResolvedVariant:
    offline = is_offline()
    paths = {}
    for filename in (CONFIG_FILENAME, WEIGHTS_FILENAME):
        # An uncached file with the Hub unreachable is looked up as if offline: it fails in
        # well under a second instead of after hf_hub_download's retries.
        cached = isinstance(try_to_load_from_cache(repo_id, filename, cache_dir=hf_cache), str)
        local_only = offline or (not cached and not hub_reachable())
        try:
            # Only these two files: never a snapshot of the whole repo.
            paths[filename] = Path(
                hf_hub_download(
                    repo_id, filename, cache_dir=hf_cache, local_files_only=local_only
                )
            )
        except LocalEntryNotFoundError as exc:
            why = (
                "HF_HUB_OFFLINE=1 is set"
                if offline
                else f"the Hub ({hf_constants.ENDPOINT}) cannot be reached"
            )
            raise ModelLoadError(
                f"Variant {repo_id!r} ({filename}) is not in the Hugging Face cache "
                f"{str(hf_cache)!r} and {why}. " + _fill_hint(repo_id)
            ) from exc
        except RepositoryNotFoundError as exc:
            raise ModelLoadError(
                f"No accessible Hugging Face model repo {repo_id!r}. See "
                f"get_model_variants({MODEL_ID!r}) for the published variants."
            ) from exc
        except EntryNotFoundError as exc:
            raise ModelLoadError(
                f"Repo {repo_id!r} has no {filename}: a variant needs {CONFIG_FILENAME} and "
                f"{WEIGHTS_FILENAME} (only safetensors checkpoints are loaded)."
            ) from exc
    return ResolvedVariant(
        repo_id,
        "hub",
        VIBEConfig.from_json(paths[CONFIG_FILENAME]),
        paths[CONFIG_FILENAME],
        paths[WEIGHTS_FILENAME],
    )


def resolve_variant(
    model_variant: str | os.PathLike[str],
    *,
    hf_cache_dir: str | os.PathLike[str] | None = None,
) -> ResolvedVariant:
    """Find a variant's ``config.json`` and ``model.safetensors`` on disk, downloading if needed.

    ``model_variant`` is, in this order: a registered name (`register_variant`), a local
    folder holding the two files, or a Hub repo id ``"owner/name"`` (only the two files are
    downloaded; with ``HF_HUB_OFFLINE=1`` they come from the Hugging Face cache).

    Raises
    ------
    InvalidParameterError
        When ``model_variant`` is none of the above.
    ModelLoadError
        When the files are missing, not cached while offline, or pickle-based.
    """
    if not isinstance(model_variant, (str, os.PathLike)) or not str(model_variant):
        raise InvalidParameterError(
            f"model_variant must be a repo id such as 'ShreyDixit/VIBE-Qwen2.5-14B' or a "
            f"folder path, got {model_variant!r}."
        )
    name = os.fspath(model_variant)
    if name == DEMO_VARIANT_NAME and name not in _REGISTERED:
        # Generated on first use (seconds, offline); registered so later calls skip the check.
        register_variant(name, ensure_demo_variant())
    if name in _REGISTERED:
        return _from_folder(name, _REGISTERED[name], "registered")
    path = Path(name).expanduser()
    if path.is_dir():
        return _from_folder(name, path, "local")
    if path.is_file():
        if path.suffix.lower() in PICKLE_SUFFIXES:
            raise ModelLoadError(
                f"Refusing {name!r}: pickle-based checkpoints are never loaded (unpickling can run "
                f"arbitrary code). Give a folder with {CONFIG_FILENAME} and {WEIGHTS_FILENAME}."
            )
        raise InvalidParameterError(
            f"model_variant {name!r} is a file; give the folder that holds {CONFIG_FILENAME} "
            f"and {WEIGHTS_FILENAME}."
        )
    if isinstance(model_variant, str) and _REPO_ID.fullmatch(name):
        return _from_hub(_check_repo_id(name), hf_hub_cache(hf_cache_dir))
    raise InvalidParameterError(
        f"model_variant {name!r} is neither an existing folder nor a Hugging Face repo id "
        f"'owner/name'; see get_model_variants({MODEL_ID!r})."
    )
