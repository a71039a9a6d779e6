"""vibe-widgets: see what the VIBE fMRI encoding model predicts for a movie, in Jupyter."""

from __future__ import annotations

from vibe_widgets.data import sample_clip
from vibe_widgets.engine import (
    COLLECTION_ID,
    MODEL_ID,
    NETWORKS,
    SUBJECTS,
    Atlas,
    EncodingModel,
    VIBEConfig,
    VIBEModel,
    encode,
    encode_features,
    get_encoding_model,
    get_model_metadata,
    get_model_variants,
    get_variant_configs,
    load_atlas,
)
from vibe_widgets.engine.resources import estimate_resources
from vibe_widgets.engine.scale import encode_many
from vibe_widgets.engine.training import evaluate, fit
from vibe_widgets.errors import (
    CacheError,
    InvalidParameterError,
    MediaError,
    ModelLoadError,
    StimulusError,
    VibeError,
)
from vibe_widgets.figures import (
    generate_glass_brain_animation,
    plot_glass_brain,
    plot_network_timecourses,
    render_movie_with_brain,
)
from vibe_widgets.widgets import (
    Explorer,
    GlassBrain,
    NetworkTimecourse,
    TranscriptEditor,
    VideoPlayer,
    export_html,
    link,
    unlink,
)

__version__ = "0.1.0"

__all__ = [
    # engine verbs (BERG-style)
    "get_encoding_model",
    "encode",
    "encode_features",
    "get_model_metadata",
    "get_model_variants",
    "get_variant_configs",
    "estimate_resources",
    # fitting, scoring and batch encoding
    "fit",
    "evaluate",
    "encode_many",
    # engine objects
    "EncodingModel",
    "VIBEConfig",
    "VIBEModel",
    "MODEL_ID",
    "COLLECTION_ID",
    "SUBJECTS",
    # atlas
    "Atlas",
    "NETWORKS",
    "load_atlas",
    # widgets
    "Explorer",
    "VideoPlayer",
    "TranscriptEditor",
    "NetworkTimecourse",
    "GlassBrain",
    "link",
    "unlink",
    "export_html",
    # figures
    "plot_glass_brain",
    "plot_network_timecourses",
    "generate_glass_brain_animation",
    "render_movie_with_brain",
    # data
    "sample_clip",
    # errors
    "VibeError",
    "InvalidParameterError",
    "StimulusError",
    "MediaError",
    "ModelLoadError",
    "CacheError",
]
