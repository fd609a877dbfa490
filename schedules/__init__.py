"""Time-driven work, one module per kind; everything is re-derived from the store."""
