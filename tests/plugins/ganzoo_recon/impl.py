"""The reconstruction task's behaviour: model base, step, evaluation, pictures, predict."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ganzoo import pictures
from ganzoo.data import to_float
from ganzoo.errors import DataError
from ganzoo.modeling import ZooModel
from ganzoo.sample import device_of, from_unit, inference, load_images
from ganzoo.tasks import Scores, Task
from ganzoo.training.step import Step


class AutoEncoder(ZooModel):
    task = "reconstruction"

    def __init__(self, channels: int = 1, image_size: int = 16, code: int = 8) -> None:
        super().__init__(channels=channels, image_size=image_size, code=code)
        n = channels * image_size * image_size
        self.shape = (channels, image_size, image_size)
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(n, code), nn.ReLU(), nn.Linear(code, n), nn.Tanh())

    def networks(self) -> dict[str, nn.Module]:
        return {"model": self.net}

    def example_input(self, name: str = "model", batch_size: int = 2) -> torch.Tensor:
        return torch.randn(batch_size, *self.shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).view(x.size(0), *self.shape)


class L2:
    def __call__(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return torch.mean((out - target) ** 2)


class ReconstructionStep(Step):
    def __init__(self, model: Any, loss: Any, ctx: Any) -> None:
        super().__init__(model, loss, ctx)
        self.noise = torch.Generator(device=ctx.device).manual_seed(ctx.seed + 11)
        self.std = float(ctx.opts.noise)
        self.last: torch.Tensor | None = None

    def train_batch(self, x: torch.Tensor, y: torch.Tensor | None) -> None:
        clean = to_float(x, self.device)
        noisy = clean + self.std * torch.randn(clean.shape, generator=self.noise, device=self.device)
        self.optimizers["model"].zero_grad(set_to_none=True)
        err = self.loss(self.fwd["model"](noisy).view_as(clean), clean)
        self.backward("model", err)
        self.update("model")
        self.accumulate("recon_loss", err)

    def evaluate(self, test: Any, batch_size: int) -> dict[str, float]:
        if test is None or len(test) == 0:
            return {}
        with inference(self.model):
            clean = to_float(test.x[:64], self.device)
            self.last = torch.cat([clean, self.model(clean)]).cpu()
            return {"test_recon_mse": float(torch.mean((self.model(clean) - clean) ** 2))}

    def generators(self) -> dict[str, torch.Generator]:
        return {"denoise": self.noise}

    def write_pictures(self, history: list[dict[str, Any]]) -> list[str]:
        if self.last is None:
            return []
        pictures.save_image(pictures.grid_image(self.last, nrow=16, scale=4), self.ctx.out / "reconstructions.png")
        return ["reconstructions.png"]


class ReconstructionTask(Task):
    def check_data(self, opts: Any, bundle: Any) -> None:
        if bundle.modality != "image":
            raise DataError(f"dataset '{bundle.name}' has no images; '{opts.model_spec.name}' reconstructs images")

    def make_step(self, model: Any, loss: Any, ctx: Any) -> Step:
        return ReconstructionStep(model, loss, ctx)

    def evaluate(self, model: Any, bundle: Any, *, seed: int, options: dict[str, Any]) -> Scores:
        clean = to_float(bundle.test.x).to(device_of(model))
        with inference(model):
            err = float(torch.mean((model(clean) - clean) ** 2))
        return Scores(metrics={"recon_mse": err}, n=len(bundle.test))

    def draw(self, folder: Any, model: Any, evaluation: Any) -> list[str]:
        return []

    def predict(self, model: Any, inputs: Any, options: dict[str, Any]) -> list[str]:
        c, s = int(model.config["channels"]), int(model.config["image_size"])
        x = from_unit(model, load_images(inputs, c, s))
        with inference(model):
            errs = ((model(x) - x) ** 2).flatten(1).mean(1)
        return [f"{path}\treconstruction error {float(e):.{options['show']}f}" for path, e in zip(inputs, errs)]

    def demo(self, model: Any) -> None:
        """Its own ``ganzoo demo`` panel: an image in, its reconstruction and the error out."""
        import gradio as gr

        from ganzoo.sample import image_tensor, preview, to_unit

        c, s = int(model.config["channels"]), int(model.config["image_size"])

        def reconstruct(image: Any) -> tuple[Any, float]:
            x = from_unit(model, image_tensor(image, c, s)[None])
            with inference(model):
                out = model(x)
            return preview(to_unit(model, out)), float(torch.mean((out - x) ** 2))

        image = gr.Image(type="pil", label="Image")
        button = gr.Button("Reconstruct")
        outputs = [gr.Image(type="pil", label="Reconstruction"), gr.Number(label="Reconstruction error")]
        button.click(reconstruct, image, outputs, api_name="reconstruct")
