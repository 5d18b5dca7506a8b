"""The ``regression`` task: next-value series regressors, as the basics seed's LSTM.

Per epoch: train MSE, test MSE and the naive last-value forecast's MSE to beat; at the end:
``forecast.png`` and ``curves.png``. ``ganzoo predict`` continues a CSV series.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ganzoo.data import Split
from ganzoo.errors import DataError
from ganzoo.modeling import ZooModel
from ganzoo.sample import count, device_of, inference
from ganzoo.tasks import Scores, Task
from ganzoo.training.step import RunContext, Step

from .supervised import SupervisedStep


class RegressorModel(ZooModel):
    """A sequence regressor: (N, L) -> (N, L), one prediction (the next value) per step."""

    task = "regression"
    #: Tiny and overhead-bound: bf16 only adds casts, and rounding accumulates over time steps.
    auto_precision = False
    #: An exported regressor maps windows of a series (any length) to the next value at each step.
    export_inputs = ("series",)
    export_outputs = ("prediction",)
    export_axes = {"series": {1: "time"}, "prediction": {1: "time"}}
    net: nn.Module

    def networks(self) -> dict[str, nn.Module]:
        return {"model": self.net}

    def example_input(self, name: str = "model", batch_size: int = 2) -> torch.Tensor:
        return torch.randn(batch_size, int(self.config.get("seq_len", 32)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def forecast(self, series: Any, steps: int) -> torch.Tensor:
        """Continue ``series`` by ``steps`` values, feeding each prediction back in (autoregressive)."""
        steps = count(steps, "steps")
        x = torch.as_tensor(series, dtype=torch.float32)
        if x.dim() != 1 or x.numel() < 1:
            raise DataError(f"forecast expects a non-empty 1-D series, got shape {tuple(x.shape)}")
        if not torch.isfinite(x).all():
            raise DataError("forecast: the series contains NaN or infinite values")
        window = int(self.config.get("seq_len", x.numel()))
        device = device_of(self)
        values = x.tolist()
        with inference(self):
            for _ in range(steps):
                ctx = torch.tensor(values[-window:], dtype=torch.float32, device=device)[None]
                values.append(float(self(ctx)[0, -1]))
        return torch.tensor(values[x.numel():], dtype=torch.float32)


def predictions(model: Any, x: torch.Tensor) -> torch.Tensor:
    with inference(model):
        return torch.cat([model(chunk) for chunk in x.split(256)]).float()


class RegressionStep(SupervisedStep):
    """The LSTM seed: train/test MSE, plus the naive last-value forecast's MSE to beat."""

    def __init__(self, model: Any, loss: Any, ctx: RunContext) -> None:
        super().__init__(model, loss, ctx)
        self.window: dict[str, list[float]] | None = None

    def evaluate(self, test: Split | None, batch_size: int) -> dict[str, float]:
        if test is None or test.y is None or len(test) == 0:
            return {}
        pred = self.predict(test, batch_size)
        x, y = test.x.float().cpu(), test.y.float().cpu()
        self.window = {"x": x[0].tolist(), "y": y[0].tolist(), "pred": pred[0].tolist()}
        return {"test_mse": float(torch.mean((pred - y) ** 2)),
                "naive_mse": float(torch.mean((x - y) ** 2))}

    def write_pictures(self, history: list[dict[str, Any]]) -> list[str]:
        from ganzoo.pictures import line_plot

        from .figures import forecast

        epochs = [r for r in history if r["kind"] == "epoch"]
        if not epochs or "test_mse" not in epochs[-1] or self.window is None:
            return []
        out = self.ctx.out
        forecast(self.window["x"], self.window["y"], self.window["pred"], out / "forecast.png")
        line_plot([r["epoch"] for r in epochs],
                  {"train MSE": [r["train_loss"] for r in epochs],
                   "test MSE": [r["test_mse"] for r in epochs],
                   "naive last-value MSE": [r["naive_mse"] for r in epochs]},
                  out / "curves.png", title="Mean squared error", xlabel="epoch")
        return ["forecast.png", "curves.png"]


def read_series(path: str) -> list[float]:
    """The last numeric column of a CSV (header optional)."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = [r for r in csv.reader(fh) if r and any(c.strip() for c in r)]
    except FileNotFoundError:
        raise DataError(f"{path}: no such CSV file") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"{path}: not a readable CSV ({exc})") from None
    values: list[float] = []
    for i, row in enumerate(rows):
        try:
            values.append(float(row[-1]))
        except ValueError:
            if i == 0:
                continue  # a header line
            raise DataError(f"{path}: line {i + 1}: '{row[-1]}' is not a number (the last column "
                            "must hold the series)") from None
    if not values:
        raise DataError(f"{path}: no numbers found; expected one value per line")
    return values


class RegressionTask(Task):
    def check_data(self, opts: Any, bundle: Any) -> None:
        if bundle.modality != "series" or bundle.train.y is None:
            raise DataError(f"dataset '{bundle.name}' is not a series dataset with targets; model "
                            f"'{opts.model_spec.name}' needs one (for example sine)")

    def make_step(self, model: Any, loss: Any, ctx: RunContext) -> Step:
        return RegressionStep(model, loss, ctx)

    def evaluate(self, model: Any, bundle: Any, *, seed: int, options: dict[str, Any]) -> Scores:
        test = bundle.test
        x, y = test.x.float().cpu(), test.y.float().cpu()
        pred = predictions(model, x)
        test_mse, naive = float(torch.mean((pred - y) ** 2)), float(torch.mean((x - y) ** 2))
        return Scores(metrics={"test_mse": test_mse, "naive_mse": naive, "mse_ratio": test_mse / naive},
                      n=len(test),
                      details={"forecast": {"x": x[0].tolist(), "y": y[0].tolist(),
                                            "pred": pred[0].tolist()}},
                      notes=["naive forecast: each next value predicted as the current one"])

    def draw(self, folder: Any, model: Any, evaluation: Any) -> list[str]:
        from .figures import forecast

        f = evaluation.details["forecast"]
        forecast(f["x"], f["y"], f["pred"], folder / "forecast.png")
        return ["forecast.png"]

    def predict(self, model: Any, inputs: Sequence[str], options: dict[str, Any]) -> list[str]:
        steps = int(options.get("steps", 1))
        return [f"{path}\t" + " ".join(f"{v:.6g}" for v in model.forecast(read_series(path), steps).tolist())
                for path in inputs]

    def demo(self, model: Any) -> None:
        from .demos import forecast_panel

        forecast_panel(model)

    def usage(self, ref: str) -> tuple[list[str], list[str]]:
        return ([f'model = ganzoo.load("{ref}")', "future = model.forecast(series, steps=10)"],
                [f"ganzoo predict {ref} INPUT..."])
