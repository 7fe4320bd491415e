"""Metric sequences that drive ReduceLROnPlateau when no training log is given."""

from __future__ import annotations

import numpy as np

DEFAULT_PATTERN_DOC = (
    "a loss that falls quickly, then plateaus with small seeded noise "
    "(for mode='max', the matching accuracy: rises, then stalls)"
)


def default_metric(mode: str, steps: int, seed: int = 0) -> np.ndarray:
    """The documented default: reproducible (seeded), one value per step."""
    t = np.arange(steps, dtype=float)
    scale = max(5.0, steps / 10)
    rng = np.random.default_rng(seed)
    loss = 0.2 + 0.8 * np.exp(-t / scale) + rng.normal(0.0, 0.004, steps)
    if mode == "max":
        return 1.0 - loss
    return loss
