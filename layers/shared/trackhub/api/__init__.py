"""The HTTP edge: resolver factory, request guards, and domain errors rendered per dialect."""
