"""The base of every vibe-widgets view: anywidget with its bundle loaded on first use.

It also turns traitlets' type errors in a constructor into an InvalidParameterError that
names the argument, the expected type and the fix, as the engine's errors do.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import anywidget
import traitlets

from vibe_widgets.errors import InvalidParameterError, VibeError
from vibe_widgets.widgets._assets import read_static

__all__ = ["BundledWidget", "TraitParameterError", "as_trait_error", "figure_path"]


class TraitParameterError(InvalidParameterError, traitlets.TraitError):
    """An InvalidParameterError that traitlets also recognises as a TraitError.

    ipywidgets applies a front-end message inside ``hold_trait_notifications``, which
    rolls the new values back only on TraitError: any other error would leave the
    rejected value in place. Users catch it as InvalidParameterError.
    """

    def __reduce__(self):
        # Pickled (e.g. across processes) as the public class.
        return (InvalidParameterError, self.args)


# Tracebacks show it as the public error users catch.
TraitParameterError.__module__ = InvalidParameterError.__module__
TraitParameterError.__name__ = TraitParameterError.__qualname__ = "InvalidParameterError"


def as_trait_error(validator: Callable) -> Callable:
    """Re-raise a trait validator's InvalidParameterError as a TraitParameterError."""

    @functools.wraps(validator)
    def wrapped(self, proposal):
        try:
            return validator(self, proposal)
        except InvalidParameterError as error:
            if isinstance(error, traitlets.TraitError):
                raise
            raise TraitParameterError(str(error)) from None

    return wrapped


def _constructor_error(
    widget: traitlets.HasTraits, arguments: dict[str, Any], error: traitlets.TraitError
) -> TraitParameterError:
    """The argument whose type traitlets refused, named with what it must be."""
    name = type(widget).__name__
    traits = widget.traits()
    for argument, value in arguments.items():
        trait = traits.get(argument)
        if trait is None:
            continue
        try:
            trait.validate(widget, value)
        except traitlets.TraitError:
            expected = trait.info()
            return TraitParameterError(
                f"{name}: {argument} must be {expected}, got {type(value).__name__} "
                f"{value!r}. Pass {expected} as {argument}= (convert the value first)."
            )
    return TraitParameterError(
        f"{name}: {error} Check the arguments' types against help({name})."
    )


def _checked_init(init: Callable) -> Callable:
    signature = inspect.signature(init)

    @functools.wraps(init)
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        try:
            init(self, *args, **kwargs)
        except traitlets.TraitError as error:
            if isinstance(error, VibeError):
                raise
            bound = signature.bind_partial(self, *args, **kwargs).arguments
            arguments = {}
            for key, value in list(bound.items())[1:]:  # [0] is self
                kind = signature.parameters[key].kind
                if kind is inspect.Parameter.VAR_KEYWORD:
                    arguments.update(value)
                elif kind is not inspect.Parameter.VAR_POSITIONAL:
                    arguments[key] = value
            raise _constructor_error(self, arguments, error) from None

    __init__._vibe_checked = True  # type: ignore[attr-defined]
    return __init__


class BundledWidget(anywidget.AnyWidget):
    """An anywidget whose ``_esm``/``_css`` come from ``static/<bundle>.js|.css``.

    Reading the bundle at construction (not at import) keeps ``import vibe_widgets``
    working in a checkout whose JavaScript is not built; constructing a widget then
    raises a clear error instead.

    Each subclass's ``__init__`` is wrapped so that a wrong argument type, which traitlets
    reports as a bare TraitError, raises `TraitParameterError` (an InvalidParameterError)
    naming the argument, the expected type and the fix.
    """

    _bundle: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None and not getattr(init, "_vibe_checked", False):
            cls.__init__ = _checked_init(init)

    @property
    def _esm(self) -> str:
        return read_static(f"{self._bundle}.js")

    @property
    def _css(self) -> str:
        return read_static(f"{self._bundle}.css")

    def _html_title(self) -> str:
        """The page title `to_html` uses when none is given."""
        return f"vibe-widgets: {type(self).__name__}"

    def to_html(self, path: str | os.PathLike, *, title: str | None = None) -> Path:
        """Write a self-contained offline HTML page of this view (no kernel, no CDN).

        Parameters
        ----------
        path : str or Path
            Output file (``.html``).
        title : str, optional
            Page title; a default that names the view otherwise.

        Returns
        -------
        Path
            The written file.
        """
        from vibe_widgets.widgets.html_export import export_html

        return export_html([self], path, title=title or self._html_title())


def figure_path(path: str | os.PathLike, fmt: str) -> Path:
    """The output path of a ``to_png``/``to_svg`` call, refused unless it ends in ``.fmt``."""
    out = Path(path).expanduser()
    if out.suffix.lower() != f".{fmt}":
        raise InvalidParameterError(
            f"to_{fmt} writes {fmt.upper()}: give a path ending in .{fmt}, got '{out}'."
        )
    return out
