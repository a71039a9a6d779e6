"""Tiny, randomly initialised stand-ins for the published models, built locally."""
