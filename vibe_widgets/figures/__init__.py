"""Static figures and movies: glass brain, network timecourses, GIF/MP4 animations."""

from __future__ import annotations

from vibe_widgets.figures.animation import generate_glass_brain_animation
from vibe_widgets.figures.glass_brain import plot_glass_brain
from vibe_widgets.figures.movie import render_movie_with_brain
from vibe_widgets.figures.timecourses import plot_network_timecourses
from vibe_widgets.figures.volume import find_schaefer_image

__all__ = [
    "find_schaefer_image",
    "generate_glass_brain_animation",
    "plot_glass_brain",
    "plot_network_timecourses",
    "render_movie_with_brain",
]
