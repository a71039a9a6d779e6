"""Per-TR feature extractors (text, audio, video) and their on-disk cache."""
