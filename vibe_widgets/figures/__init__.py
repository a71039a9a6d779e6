"""Static figures and movies: glass brain, network timecourses, GIF/MP4 animations."""

from __future__ import annotations

from vibe_widgets.figures.glass_brain import plot_glass_brain
from vibe_widgets.figures.timecourses import plot_network_timecourses

__all__ = [
    "plot_glass_brain",
    "plot_network_timecourses",
]
