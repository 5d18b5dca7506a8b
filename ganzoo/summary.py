"""Architecture summaries through torchinfo, one per network of a model."""

from __future__ import annotations

from typing import Any


def summaries(model: Any, batch_size: int = 1, depth: int = 3) -> dict[str, Any]:
    """torchinfo ``ModelStatistics`` for every network of ``model`` (G and D for a GAN)."""
    import torchinfo

    out = {}
    for name, net in model.networks().items():
        example = model.example_input(name, batch_size)
        out[name] = torchinfo.summary(
            net,
            input_data=list(example) if isinstance(example, tuple) else [example],
            depth=depth,
            verbose=0,
            col_names=("input_size", "output_size", "num_params"),
            device="cpu",
            mode="eval",
        )
    return out
