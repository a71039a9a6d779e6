"""Two progress bars for a batch: items and TRs (tqdm.auto: widgets in notebooks)."""

from __future__ import annotations

from tqdm.auto import tqdm

__all__ = ["BatchProgress"]


class BatchProgress:
    """Items done and TRs done over the whole batch, wherever the work ran.

    Parameters
    ----------
    n_items, n_trs : int
        Totals to reach.
    enabled : bool
        Draw the bars (False: count silently).
    """

    def __init__(self, n_items: int, n_trs: int, enabled: bool = True) -> None:
        self.items = tqdm(total=n_items, desc="movies", unit="movie", disable=not enabled)
        self.trs = tqdm(total=n_trs, desc="TRs", unit="TR", disable=not enabled)

    def advance(self, n_tr: int, status: str) -> None:
        """One item finished (``status``: done, skipped or failed) with ``n_tr`` TRs."""
        self.items.update(1)
        self.trs.update(n_tr)
        self.items.set_postfix_str(status, refresh=False)

    def close(self) -> None:
        """Close both bars."""
        self.trs.close()
        self.items.close()
