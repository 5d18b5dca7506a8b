"""The run folder: a fresh ``runs/<model>-<dataset>-<timestamp>/`` that never replaces a run."""

from __future__ import annotations

import time
from pathlib import Path


def new_run_dir(model: str, dataset: str, out: Path | None, base: Path | str = "runs") -> Path:
    """Create and return the folder; ``mkdir(exist_ok=False)`` makes the claim atomic.

    Two runs started in the same second get ``-2``, ``-3``... rather than sharing a folder.
    """
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)  # emptiness was checked by ganzoo.options.resolve
        return out
    base = Path(base)
    base.mkdir(parents=True, exist_ok=True)
    stem = f"{model}-{dataset}-{time.strftime('%Y%m%d-%H%M%S')}"
    for n in range(1, 1000):
        path = base / (stem if n == 1 else f"{stem}-{n}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no free run folder name under {base} for {stem}")
