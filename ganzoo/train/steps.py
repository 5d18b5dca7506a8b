"""One training step per task. The loop knows nothing about GANs or classifiers.

A step owns its optimizers and its metric accumulators. Metrics are summed as detached tensors
on the device and only turned into floats in :meth:`Step.flush`, which the loop calls every
``log_every`` steps, so there is no host synchronisation per step.
"""

from __future__ import annotations

from typing import Any

import torch

from ..data import Split, to_float
from .augment import DiffAugment
from .ema import GeneratorEMA
from .perf import Perf, Scalers
from .perf import make_optimizer as _make_optimizer


def make_optimizer(params: Any, name: str, lr: float, betas: tuple[float, float],
                   fused: bool = False) -> torch.optim.Optimizer:
    """Adam (or SGD); ``fused`` picks the one-kernel update (see :mod:`ganzoo.train.perf`)."""
    return _make_optimizer(params, name, lr, betas, fused=fused)


class Step:
    """Base class: optimizers, metric accumulators, and the epoch-end evaluation hook."""

    #: Name of the figure the progress line leads with (the seed's line for GANs).
    optimizers: dict[str, torch.optim.Optimizer]

    def __init__(self, model: Any, loss: Any, device: torch.device, lr: float,
                 betas: tuple[float, float], optimizer: str = "adam", *,
                 perf: Perf | None = None) -> None:
        self.model, self.loss, self.device = model, loss, device
        self.perf = perf if perf is not None else Perf(device_type=device.type)
        self.perf.prepare(model)
        self._sums: dict[str, torch.Tensor] = {}
        self._counts: dict[str, int] = {}
        nets = self.trained_networks()
        self.optimizers = {role: make_optimizer(net.parameters(), optimizer, lr, betas,
                                                fused=self.perf.fused)
                           for role, net in nets.items()}
        #: fp16 only: one GradScaler per optimizer, saved with checkpoints (empty otherwise).
        self.scalers = Scalers({role: self.perf.make_scaler() for role in self.optimizers}
                               if self.perf.needs_scaler() else {})
        #: What the step calls per network: the module, or its torch.compile'd forward.
        self.fwd = {role: self.perf.forward(net) for role, net in nets.items()}
        #: Plain forwards for passes whose gradients must not be synced across ranks (the G
        #: step's pass through D); equal to ``fwd`` until :meth:`distribute` is called.
        self.local = dict(self.fwd)
        self.ddp: dict[str, torch.nn.Module] = {}

    def _backward(self, role: str, loss: torch.Tensor) -> None:
        scaler = self.scalers.get(role)
        (scaler.scale(loss) if scaler is not None else loss).backward()

    def _step(self, role: str) -> None:
        scaler = self.scalers.get(role)
        if scaler is None:
            self.optimizers[role].step()
        else:
            scaler.step(self.optimizers[role])
            scaler.update()

    def distribute(self, wrapped: dict[str, torch.nn.Module]) -> None:
        """Forward through DDP wrappers (see distributed.py); compile, if on, wraps the DDP module."""
        self.ddp = dict(wrapped)
        for role, ddp in wrapped.items():
            self.fwd[role] = self.perf.forward(ddp)

    def trained_networks(self) -> dict[str, torch.nn.Module]:
        return self.model.networks()

    def _add(self, name: str, value: torch.Tensor) -> None:
        value = value.detach().float()
        if name in self._sums:
            self._sums[name] += value
            self._counts[name] += 1
        else:
            self._sums[name] = value.clone()
            self._counts[name] = 1

    def flush(self) -> dict[str, float]:
        """Means since the last flush: the one host sync of a logging interval."""
        if not self._sums:
            return {}
        names = list(self._sums)
        values = torch.stack([self._sums[n] for n in names]).tolist()
        out = {n: v / self._counts[n] for n, v in zip(names, values)}
        self._sums, self._counts = {}, {}
        return out

    def train_batch(self, x: torch.Tensor, y: torch.Tensor | None) -> None:
        raise NotImplementedError

    def evaluate(self, test: Split | None, batch_size: int) -> dict[str, Any]:
        """Per-epoch figures on held-out data (none by default)."""
        return {}

    def finish(self, seed: int) -> bool:
        """After the last step: give the networks their final form (GANs: the EMA weights).

        Returns whether the networks changed. The last checkpoint keeps the pre-finish state,
        so a resumed run goes on training from where the loop stopped.
        """
        return False

    def log_line(self, epoch: str, step: str, m: dict[str, float]) -> str:
        body = " ".join(f"{k}: {v:.4f}" for k, v in m.items())
        return f"[{epoch}][{step}] {body}"


class AdversarialStep(Step):
    """The DCGAN tutorial's step: D on real (label 1) and on fake.detach() (label 0), then G.

    The loss plugin decides the formulas; with ``n_critic > 1`` G is updated every
    ``n_critic``-th batch (PyTorch-GAN's WGAN-GP schedule).
    """

    def __init__(self, *args: Any, noise: torch.Generator, augment: str | None = None,
                 ema: float = 0.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.noise = noise
        self.calls = 0
        #: DiffAugment on every image D sees (see augment.py); identity when the policy is empty.
        self.augment = DiffAugment(augment, generator=noise)
        #: Moving average of G's weights (see ema.py), shipped at the end; None when off.
        self.ema = GeneratorEMA(self.model.generator, ema) if ema else None

    def train_batch(self, x: torch.Tensor, y: torch.Tensor | None) -> None:
        G, D, loss = self.fwd["generator"], self.fwd["discriminator"], self.loss
        opt_d, opt_g = self.optimizers["discriminator"], self.optimizers["generator"]
        real = self.perf.input(to_float(x, self.device))
        n = real.size(0)
        autocast = self.perf.autocast

        # Forward passes under autocast; every loss in fp32 from the logits.
        opt_d.zero_grad(set_to_none=True)
        aug = self.augment
        with autocast():
            out_real = D(aug(real))
        out_real = out_real.float()
        err_real = loss.d_loss_real(out_real)
        self._backward("discriminator", err_real)
        z = self.model.sample_latent(n, generator=self.noise, device=self.device)
        with autocast():
            fake = G(z)
            out_fake = D(aug(fake.detach()))
        out_fake = out_fake.float()
        err_fake = loss.d_loss_fake(out_fake)
        self._backward("discriminator", err_fake)
        err_d = err_real + err_fake
        with autocast():
            penalty = loss.penalty(self.local["discriminator"], real, fake)
        if penalty is not None:
            penalty = penalty.float()
            self._backward("discriminator", penalty)
            if "discriminator" in self.ddp:  # DDP synced real/fake grads; this pass ran after
                from .distributed import average_grads

                average_grads(self.ddp["discriminator"])
            err_d = err_d + penalty
        self._step("discriminator")
        self._add("Loss_D", err_d)
        self._add("D(x)", loss.score(out_real))
        self._add("D(G(z))_before", loss.score(out_fake))

        self.calls += 1
        if (self.calls - 1) % loss.n_critic == 0:
            opt_g.zero_grad(set_to_none=True)
            with autocast():  # plain D under DDP: its grads here are dropped, never synced
                out = self.local["discriminator"](aug(fake))
            out = out.float()
            err_g = loss.g_loss(out)
            self._backward("generator", err_g)
            self._step("generator")
            if self.ema is not None:
                self.ema.update()
            self._add("Loss_G", err_g)
            self._add("D(G(z))_after", loss.score(out))

    def finish(self, seed: int) -> bool:
        if self.ema is None:
            return False
        return self.ema.apply(self.model.sample_latent, seed, self.device)

    def log_line(self, epoch: str, step: str, m: dict[str, float]) -> str:
        def f(k: str) -> str:
            return f"{m[k]:.4f}" if k in m else "-"

        return (f"[{epoch}][{step}] Loss_D: {f('Loss_D')} Loss_G: {f('Loss_G')} D(x): {f('D(x)')} "
                f"D(G(z)): {f('D(G(z))_before')} / {f('D(G(z))_after')}")

    @torch.no_grad()
    def generate(self, z: torch.Tensor) -> torch.Tensor:
        """Samples for the pictures, in eval mode (running BatchNorm statistics), as a loader sees them."""
        G = self.model.generator
        was = G.training
        G.eval()
        try:
            return G(z).float().cpu()
        finally:
            G.train(was)


class SupervisedStep(Step):
    """Classifier and regressor: forward, loss against targets, one optimizer."""

    def train_batch(self, x: torch.Tensor, y: torch.Tensor | None) -> None:
        assert y is not None  # check_data guarantees targets for supervised tasks
        opt = self.optimizers["model"]
        xb = self.perf.input(to_float(x, self.device))
        target = y.to(self.device, non_blocking=True)
        opt.zero_grad(set_to_none=True)
        with self.perf.autocast():
            out = self.fwd["model"](xb)
        err = self.loss(out.float(), target)  # the loss in fp32 from the logits / predictions
        self._backward("model", err)
        self._step("model")
        self._add("train_loss", err)

    @torch.no_grad()
    def predict(self, split: Split, batch_size: int) -> torch.Tensor:
        """Predictions for a whole split, keeping the tail batch."""
        self.model.eval()
        try:
            outs = [self.model(to_float(split.x[i:i + batch_size], self.device)).float().cpu()
                    for i in range(0, len(split), batch_size)]
        finally:
            self.model.train()
        return torch.cat(outs)


class ClassificationStep(SupervisedStep):
    """The FashionMNIST seed's train/test loops: train loss, test loss and accuracy per epoch."""

    def evaluate(self, test: Split | None, batch_size: int) -> dict[str, Any]:
        if test is None or test.y is None or len(test) == 0:
            return {}
        logits = self.predict(test, batch_size)
        y = test.y.cpu()
        pred = logits.argmax(1)
        k = int(logits.size(1))
        confusion = torch.bincount(y * k + pred, minlength=k * k).view(k, k)
        return {"test_loss": float(self.loss(logits, y)),
                "test_accuracy": float((pred == y).float().mean()),
                "_confusion": confusion.tolist()}


class RegressionStep(SupervisedStep):
    """The LSTM seed: train/test MSE, plus the naive last-value forecast's MSE to beat."""

    def evaluate(self, test: Split | None, batch_size: int) -> dict[str, Any]:
        if test is None or test.y is None or len(test) == 0:
            return {}
        pred = self.predict(test, batch_size)
        x, y = test.x.float().cpu(), test.y.float().cpu()
        return {"test_mse": float(torch.mean((pred - y) ** 2)),
                "naive_mse": float(torch.mean((x - y) ** 2)),
                "_forecast": {"x": x[0].tolist(), "y": y[0].tolist(), "pred": pred[0].tolist()}}


STEPS: dict[str, type[Step]] = {
    "adversarial": AdversarialStep,
    "classification": ClassificationStep,
    "regression": RegressionStep,
}
