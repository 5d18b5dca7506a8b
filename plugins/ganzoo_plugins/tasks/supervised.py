"""What the classification and regression tasks share: a forward, a loss against targets, one optimizer."""

from __future__ import annotations

import torch

from ganzoo.data import Split, to_float
from ganzoo.training.step import Step


class SupervisedStep(Step):
    """Classifier and regressor: forward, loss against targets, one optimizer (``model``).

    Supervised losses are plain callables ``loss(prediction, target) -> scalar``.
    """

    def train_batch(self, x: torch.Tensor, y: torch.Tensor | None) -> None:
        if y is None:  # check_data guarantees targets; a direct caller gets a clear error
            raise ValueError("a supervised step needs targets y")
        opt = self.optimizers["model"]
        xb = self.perf.input(to_float(x, self.device, self.model.value_range))
        target = y.to(self.device, non_blocking=True)
        opt.zero_grad(set_to_none=True)
        with self.perf.autocast():
            out = self.fwd["model"](xb)
        err = self.loss(out.float(), target)  # the loss in fp32 from the logits / predictions
        self.backward("model", err)
        self.update("model")
        self.accumulate("train_loss", err)

    @torch.no_grad()
    def predict(self, split: Split, batch_size: int) -> torch.Tensor:
        """Predictions for a whole split, keeping the tail batch."""
        self.model.eval()
        try:
            outs = [self.model(to_float(split.x[i:i + batch_size], self.device, self.model.value_range)).float().cpu()
                    for i in range(0, len(split), batch_size)]
        finally:
            self.model.train()
        return torch.cat(outs)
