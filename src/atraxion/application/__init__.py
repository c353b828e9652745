"""Use cases: short functions typed only against ports. One unit of work per call."""
