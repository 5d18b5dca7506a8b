"""The ``adversarial`` task: unconditional GANs trained with the DCGAN tutorial's loop.

What it owns: the model base class (:class:`GenerativeModel`), the loss protocol its step calls
(:class:`GANLoss`), the training step (:class:`AdversarialStep`: D on a real and a generated
batch, then G; DiffAugment, the generator's weight average, a collapse warning), the pictures
a run leaves (fixed-noise grids of up to 100 epochs in ``progress.gif``, ``real_vs_fake.png``,
``losses.png``), sampling with truncation and latent walks, and ``ganzoo eval``'s
classifier-FID/KID (see :mod:`ganzoo_plugins.tasks.gan_eval`).
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import torch
from torch import nn

from ganzoo import pictures
from ganzoo.data import to_float
from ganzoo.display import explained
from ganzoo.modeling import ZooModel
from ganzoo.sample import device_of, inference, normal, rng, slerp, to_unit
from ganzoo.tasks import Samples, Scores, Task
from ganzoo.training.step import RunContext, Step

from .augment import DiffAugment
from .ema import GeneratorEMA

#: Images in the fixed-noise grid (progress.gif's frames, samples.png).
GRID_SIZE = 64


@contextlib.contextmanager
def frozen(net: nn.Module, keep: nn.Module | None = None) -> Iterator[None]:
    """``net``'s parameters need no gradient inside the block (restored after it), except those
    ``keep`` also holds (a plugin GAN whose G and D share an embedding still trains it in G's step).

    Why: G's step backpropagates through D only for the gradient that reaches G. The DCGAN
    tutorial (and every seed loop) lets autograd also compute D's weight gradients there, which
    are thrown away at D's next ``zero_grad``: about a twelfth of a DCGAN step's arithmetic and
    more of an MLP GAN's. G's gradients are the same either way.
    """
    shared = {id(p) for p in keep.parameters()} if keep is not None else set()
    params = [p for p in net.parameters() if p.requires_grad and id(p) not in shared]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)


# --------------------------------------------------------------------------------------------
# Models


class GenerativeModel(ZooModel):
    """A GAN: ``generator`` maps latent vectors to images in [-1, 1]; ``discriminator`` emits logits."""

    task = "adversarial"
    #: An exported generator maps latents z (N(0, 1), shape :meth:`latent_shape`) to images in
    #: the model's value range.
    export_inputs = ("z",)
    export_outputs = ("images",)
    generator: nn.Module
    discriminator: nn.Module

    @property
    def latent_dim(self) -> int:
        raise NotImplementedError

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(C, H, W) of generated images."""
        c, s = int(self.config["channels"]), int(self.config["image_size"])
        return (c, s, s)

    def latent_shape(self, n: int) -> tuple[int, ...]:
        """Shape of a latent batch; DCGAN uses (n, nz, 1, 1), the MLP GAN (n, latent)."""
        return (n, self.latent_dim)

    def sample_latent(self, n: int, generator: torch.Generator | None = None,
                      device: torch.device | str | None = None) -> torch.Tensor:
        return torch.randn(self.latent_shape(n), generator=generator, device=device)

    def networks(self) -> dict[str, nn.Module]:
        return {"generator": self.generator, "discriminator": self.discriminator}

    def example_input(self, name: str, batch_size: int = 2) -> torch.Tensor:
        if name == "generator":
            return torch.randn(self.latent_shape(batch_size))
        return torch.randn(batch_size, *self.image_shape)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.generator(z)

    def sample(self, n: int, seed: int | None = None, truncation: float | None = None) -> torch.Tensor:
        """``n`` images, float (n, C, H, W) in [0, 1] on the CPU; the same seed gives the same tensor."""
        return generate(self, latents(self, n, seed, truncation))

    def interpolate(self, n_steps: int = 8, seed: int | None = None,
                    start: torch.Tensor | None = None, end: torch.Tensor | None = None) -> torch.Tensor:
        """Images along the slerp path between two latents (drawn from ``seed`` unless given)."""
        return interpolate(self, n_steps, seed=seed, start=start, end=end)

    def walk(self, points: int = 8, steps: int = 8, seed: int | None = None) -> torch.Tensor:
        """A looping latent walk through ``points`` random latents, ``steps`` frames per leg
        (spherical interpolation), as images in [0, 1]: the frames of ``--interpolate``."""
        from ganzoo.sample import count

        z = latents(self, count(points, "points"), seed)
        path, _ = walk_weights(z, count(steps, "steps"))
        return generate(self, path)


def latents(model: GenerativeModel, n: int, seed: int | None = None,
            truncation: float | None = None) -> torch.Tensor:
    """``n`` latent vectors on the CPU; with ``truncation``, entries with |z| > t are redrawn."""
    from ganzoo.sample import count

    return normal(model.latent_shape(count(n)), rng(seed), truncation)


def generate(model: GenerativeModel, z: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """Images for latents ``z`` as float (N, C, H, W) in [0, 1] on the CPU."""
    device = device_of(model)
    with inference(model):
        return torch.cat([to_unit(model, model.generator(chunk.to(device))).cpu()
                          for chunk in z.split(batch_size)])


def walk_weights(points: torch.Tensor, steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(latents, weights) of a closed walk: ``steps`` frames from each point to the next, the
    last leg back to the first; ``weights[f, p]`` is point p's share in frame f (for blending
    whatever else the points carry, such as a conditional GAN's classes)."""
    k = points.size(0)
    t = torch.linspace(0.0, 1.0, steps + 1)[:-1]
    frames, weights = [], []
    for i in range(k):
        j = (i + 1) % k
        frames.append(slerp(points[i], points[j], t))
        w = torch.zeros(steps, k)
        w[:, i] += 1 - t
        w[:, j] += t
        weights.append(w)
    return torch.cat(frames), torch.cat(weights)


def interpolate(model: GenerativeModel, n_steps: int = 8, seed: int | None = None,
                start: torch.Tensor | None = None, end: torch.Tensor | None = None) -> torch.Tensor:
    """Images along the slerp path between two latents (drawn from ``seed`` unless given)."""
    from ganzoo.sample import count

    n_steps = count(n_steps, "n_steps")
    if start is None or end is None:
        pair = latents(model, 2, seed)
        start = pair[0] if start is None else start
        end = pair[1] if end is None else end
    t = torch.linspace(0.0, 1.0, n_steps) if n_steps > 1 else torch.zeros(1)
    return generate(model, slerp(start.cpu(), end.cpu(), t))


# --------------------------------------------------------------------------------------------
# The loss protocol


class GANLoss:
    """What the adversarial step asks a GAN loss for. Subclass it (or duck-type it).

    Both sides are always available: ``d_loss(real_logits, fake_logits)`` and
    ``g_loss(fake_logits, real_logits)``, so relativistic losses need no workaround. For a
    separable loss G's real logits are the D step's (G's formula does not use them); for a
    non-separable one the step recomputes them with the updated D, as the reference RaGAN does. A
    *separable* loss (``separable = True``) splits D's loss into ``d_loss_real(real_logits)``
    + ``d_loss_fake(fake_logits)``; the step then backpropagates each half as soon as it is
    computed, as the DCGAN tutorial does (errD_real, errD_fake), which frees the real batch's
    graph before G runs. A loss that overrides :meth:`d_loss` sets ``separable = False`` and
    gets one backward pass of the joint loss.

    - ``penalty(critic, real, fake)``: an extra D term (a gradient penalty) or ``None``;
      ``critic`` maps images to logits.
    - ``n_critic``: D updates per G update (PyTorch-GAN's WGAN-GP schedule).
    - ``score(logits)``: what the log line shows as D(x) / D(G(z)).

    Logits arrive in fp32 (the step casts after the autocast forward).
    """

    n_critic: int = 1
    separable: bool = True

    def d_loss_real(self, logits: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def d_loss_fake(self, logits: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def d_loss(self, real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
        return self.d_loss_real(real_logits) + self.d_loss_fake(fake_logits)

    def g_loss(self, fake_logits: torch.Tensor, real_logits: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def penalty(self, critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor,
                fake: torch.Tensor) -> torch.Tensor | None:
        return None

    def score(self, logits: torch.Tensor) -> torch.Tensor:
        """The raw critic output by default; losses on probabilities show sigmoid(logit)."""
        return logits.detach().float().mean()


def check_loss(loss: Any, spec: Any) -> None:
    """Refuse, before any training, a loss that does not follow :class:`GANLoss`."""
    import inspect

    from ganzoo.errors import PluginLoadError

    where = f"loss '{spec.name}' (plugin '{spec.plugin}')"
    separable = getattr(loss, "separable", True)
    needed = ("d_loss_real", "d_loss_fake", "g_loss") if separable else ("d_loss", "g_loss")
    missing = [m for m in needed if not callable(getattr(loss, m, None))]
    if missing:
        raise PluginLoadError(f"{where}: a GAN loss needs {', '.join(needed)}; {', '.join(missing)} "
                              "missing (see GANLoss in ganzoo_plugins.tasks.adversarial)")
    try:
        inspect.signature(loss.g_loss).bind(None, None)
    except TypeError:
        raise PluginLoadError(f"{where}: g_loss must take (fake_logits, real_logits); the one-argument "
                              "form is the old protocol (see GANLoss in ganzoo_plugins.tasks.adversarial)") from None
    if separable and isinstance(loss, GANLoss) and type(loss).d_loss is not GANLoss.d_loss:
        raise PluginLoadError(f"{where}: overrides d_loss but says separable = True, so d_loss would "
                              "never be called; set separable = False")


# --------------------------------------------------------------------------------------------
# The training step

#: A discriminator loss below this for ``COLLAPSE_INTERVALS`` logged intervals in a row means
#: D wins every batch and G gets no useful gradient.
COLLAPSE_LOSS = 1e-3
COLLAPSE_INTERVALS = 10


class CollapseWatch:
    """Warn once when the discriminator's loss sits near 0 for a long stretch."""

    def __init__(self, key: str = "Loss_D", threshold: float = COLLAPSE_LOSS,
                 intervals: int = COLLAPSE_INTERVALS) -> None:
        self.key, self.threshold, self.intervals = key, threshold, intervals
        self.streak = 0
        self.since: int | None = None
        self.warned = False

    def update(self, step: int, metrics: dict[str, Any]) -> str | None:
        """Feed one logged interval; returns the warning line the first time it applies."""
        value = metrics.get(self.key)
        if not isinstance(value, float):
            return None
        if value < self.threshold:
            self.since = step if self.streak == 0 else self.since
            self.streak += 1
        else:
            self.streak, self.since = 0, None
        if self.streak >= self.intervals and not self.warned:
            self.warned = True
            return (f"warning: {self.key} has stayed below {self.threshold:g} since step {self.since} "
                    f"(now step {step}): the discriminator wins every batch and the generator has "
                    "probably stopped learning (try a lower D learning rate, label smoothing, or "
                    "--loss wgan-gp)")
        return None


class AdversarialStep(Step):
    """The DCGAN tutorial's step: D on real (label 1) and on G(z).detach() (label 0), then G.

    The loss plugin decides the formulas; with ``n_critic > 1`` G is updated every
    ``n_critic``-th batch. Subclasses (a conditional GAN) override :meth:`labels`,
    :meth:`discriminate`, :meth:`critic`, :meth:`fake_batch` and :meth:`grid_inputs` to feed
    labels through.
    """

    def __init__(self, model: GenerativeModel, loss: Any, ctx: RunContext) -> None:
        from ganzoo.training.distributed import rank_seed

        check_loss(loss, ctx.opts.loss_spec)
        super().__init__(model, loss, ctx)
        seed = ctx.seed
        #: The step's own random stream: latents and DiffAugment (per rank under torchrun).
        self.noise = torch.Generator(device=ctx.device).manual_seed(rank_seed(seed + 1, ctx.dist.rank))
        self.calls = 0
        self.augment = DiffAugment(ctx.opts.augment, generator=self.noise)
        #: Moving average of G's weights (see ema.py), shipped at the end; None when off.
        self.ema = GeneratorEMA(model.generator, ctx.opts.ema) if ctx.opts.ema else None
        self.collapse = CollapseWatch()
        self.fixed = self.grid_inputs(torch.Generator().manual_seed(seed + 2))
        #: Fixed-noise grids of up to 100 epochs evenly spaced over --epochs (like the lr
        #: schedule, so a stopped and resumed run keeps the same ones), plus the last epoch this
        #: process reaches (a --max-steps stop): progress.gif's frames.
        self.frames = pictures.Frames(ctx.opts.epochs)

    # -- what a conditional subclass changes ---------------------------------------------
    def labels(self, y: torch.Tensor | None) -> torch.Tensor | None:
        """The batch's labels as D and G see them (None: an unconditional GAN ignores them)."""
        return None

    def critic(self, net: Callable[..., torch.Tensor],
               labels: torch.Tensor | None) -> Callable[[torch.Tensor], torch.Tensor]:
        """``images -> logits`` for the loss's penalty term."""
        return net

    def discriminate(self, images: torch.Tensor, y: torch.Tensor | None,
                     net: Callable[..., torch.Tensor]) -> torch.Tensor:
        """D's logits for a batch (augmented like every image D sees)."""
        return net(self.augment(images))

    def fake_batch(self, n: int, y: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(latents, the labels G is asked for) of one generated batch."""
        return self.model.sample_latent(n, generator=self.noise, device=self.device), None

    def grid_inputs(self, generator: torch.Generator) -> tuple[torch.Tensor, ...]:
        """The fixed inputs of the per-epoch grid (seeded on the CPU)."""
        return (self.model.sample_latent(GRID_SIZE, generator=generator).to(self.device),)

    def bn_inputs(self, n: int, generator: torch.Generator) -> tuple[torch.Tensor, ...]:
        """One batch of G's inputs, drawn on the CPU, for re-estimating BatchNorm statistics."""
        return (self.model.sample_latent(n, generator=generator),)

    def generate(self, *inputs: torch.Tensor) -> torch.Tensor:
        """Samples for the pictures in [-1, 1], in eval mode (running BatchNorm statistics)."""
        G = self.model.generator
        was = G.training
        G.eval()
        try:
            with torch.no_grad():
                images = G(*inputs).float().cpu()
            lo, hi = self.model.value_range
            return images if (lo, hi) == (-1.0, 1.0) else (images - lo) * (2.0 / (hi - lo)) - 1.0
        finally:
            G.train(was)

    # -- training ------------------------------------------------------------------------
    def train_batch(self, x: torch.Tensor, y: torch.Tensor | None) -> None:
        G, D, loss = self.fwd["generator"], self.fwd["discriminator"], self.loss
        opt_d, opt_g = self.optimizers["discriminator"], self.optimizers["generator"]
        real = self.perf.input(to_float(x, self.device, self.model.value_range))
        labels = self.labels(y)
        n = real.size(0)
        autocast = self.perf.autocast

        # Forward passes under autocast; every loss in fp32 from the logits.
        opt_d.zero_grad(set_to_none=True)
        with autocast():
            out_real = self.discriminate(real, labels, D)
        out_real = out_real.float()
        separable = getattr(loss, "separable", True)
        if separable:
            err_real = loss.d_loss_real(out_real)
            self.backward("discriminator", err_real)
        z, asked = self.fake_batch(n, labels)
        with autocast():
            fake = G(z) if asked is None else G(z, asked)
            out_fake = self.discriminate(fake.detach(), asked, D)
        out_fake = out_fake.float()
        if separable:
            err_fake = loss.d_loss_fake(out_fake)
            self.backward("discriminator", err_fake)
            err_d = err_real + err_fake
        else:
            err_d = loss.d_loss(out_real, out_fake)
            self.backward("discriminator", err_d)
        plain = self.local["discriminator"]
        with autocast():
            penalty = loss.penalty(self.critic(plain, labels), real, fake)
        if penalty is not None:
            penalty = penalty.float()
            self.backward("discriminator", penalty)
            if "discriminator" in self.ddp:  # DDP synced real/fake grads; this pass ran after
                from ganzoo.training.distributed import average_grads

                average_grads(self.ddp["discriminator"])
            err_d = err_d + penalty
        self.update("discriminator")
        self.accumulate("Loss_D", err_d)
        self.accumulate("D(x)", loss.score(out_real))
        self.accumulate("D(G(z))_before", loss.score(out_fake))

        self.calls += 1
        if (self.calls - 1) % loss.n_critic == 0:
            opt_g.zero_grad(set_to_none=True)
            # Plain D (never its DDP wrapper), with no weight gradients: only G learns here.
            with frozen(self.model.discriminator, keep=self.model.generator):
                with autocast():
                    out = self.discriminate(fake, asked, plain)
                    # A relativistic G loss compares with the real batch as the updated D sees
                    # it (the reference RaGAN); separable losses ignore the real logits.
                    ref = out_real if separable else self.discriminate(real, labels, plain)
                out = out.float()
                err_g = loss.g_loss(out, ref.detach().float())
                self.backward("generator", err_g)
            self.update("generator")
            if self.ema is not None:
                self.ema.update()
            self.accumulate("Loss_G", err_g)
            self.accumulate("D(G(z))_after", loss.score(out))

    def watch(self, step: int, metrics: dict[str, float]) -> str | None:
        return self.collapse.update(step, metrics)

    def log_line(self, epoch: str, step: str, m: dict[str, float]) -> str:
        def f(k: str) -> str:
            return f"{m[k]:.4f}" if k in m else "-"

        return (f"[{epoch}][{step}] Loss_D: {f('Loss_D')} Loss_G: {f('Loss_G')} D(x): {f('D(x)')} "
                f"D(G(z)): {f('D(G(z))_before')} / {f('D(G(z))_after')}")

    # -- pictures ------------------------------------------------------------------------
    def _frame(self, scale: int | None = None) -> Any:
        """The fixed-noise grid; ``scale`` None: upscaled for viewing (:func:`pictures.auto_scale`)."""
        fake = self.generate(*self.fixed)
        viewing = pictures.auto_scale(int(fake.shape[-1]))
        self._viewing_scale = viewing  # what an unscaled frame needs to look like samples.png
        return pictures.grid_image(fake, nrow=8, scale=viewing if scale is None else scale)

    def epoch_end(self, epoch: int) -> dict[str, Any] | None:
        if not self.frames.wanted(epoch) and epoch < self.ctx.epochs:
            return None
        # Kept at the generator's size (a quarter of the pixels to encode for 28x28 digits),
        # upscaled once when the GIF is written. A plugin subclass with the older ``_frame(self)``
        # keeps working: its frames are stored as drawn.
        if "scale" in inspect.signature(self._frame).parameters:
            frame = self._frame(scale=1)
            shown = pictures.upscale_to(frame, frame.width * getattr(self, "_viewing_scale", 1))
        else:
            frame = shown = self._frame()
        self.frames.add(epoch, frame)  # in memory: nothing per epoch in the run folder
        return {"samples": shown}

    def resumed(self, epoch: int) -> None:
        """A checkpoint of ganzoo <= 0.3 has no frames: take its run's per-epoch PNGs."""
        from PIL import Image

        if len(self.frames):
            return
        for n in range(1, epoch + 1):
            path = self.ctx.out / f"samples_epoch_{n:03d}.png"
            if self.frames.wanted(n) and path.is_file():
                with Image.open(path) as im:
                    self.frames.add(n, im.convert("RGB"))

    def finish(self) -> None:
        if self.ema is None:
            return
        changed = self.ema.apply(self.bn_inputs, self.ctx.seed + 3, self.device)
        if not changed:
            self.ctx.say(f"note: --ema {self.ema.decay} averages over ~{self.ema.horizon} generator "
                         f"steps but this run took {self.ema.updates}; keeping the last step's weights")

    def write_pictures(self, history: list[dict[str, Any]]) -> list[str]:
        from .figures import real_vs_fake

        written: list[str] = []
        out = self.ctx.out
        final = self._frame()  # the shipped generator (EMA weights, when on): the GIF's last frame
        frames = [pictures.upscale_to(f, final.width) for f in self.frames.images()]
        if not frames or frames[-1].tobytes() != final.tobytes():
            frames.append(final)
        pictures.save_image(final, out / "samples.png")
        pictures.save_gif(frames, out / "progress.gif")
        written += ["samples.png", "progress.gif"]
        real = to_float(self.ctx.bundle.train.x[:GRID_SIZE])
        real_vs_fake(real, self.generate(*self.fixed), out / "real_vs_fake.png")
        logs = [r for r in history if r["kind"] == "log"]
        series = {"G": [r.get("Loss_G", float("nan")) for r in logs],
                  "D": [r.get("Loss_D", float("nan")) for r in logs]}
        pictures.line_plot([r["step"] for r in logs], series, out / "losses.png",
                           title="Generator and Discriminator Loss During Training")
        return written + ["real_vs_fake.png", "losses.png"]

    # -- checkpoints ---------------------------------------------------------------------
    def generators(self) -> dict[str, torch.Generator]:
        return {"noise": self.noise}

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["calls"] = self.calls
        state["frames"] = self.frames.state_dict()
        if self.ema is not None:
            state["ema"] = self.ema.state_dict()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.calls = int(state["calls"])
        self.frames.load_state_dict(state.get("frames") or {})
        if self.ema is not None:
            self.ema.load_state_dict(state["ema"])


# --------------------------------------------------------------------------------------------
# The task


class AdversarialTask(Task):
    """Unconditional GANs: train, score with classifier-FID/KID, sample with truncation."""

    drop_last = True  # BatchNorm in D never sees a batch of one

    def make_step(self, model: Any, loss: Any, ctx: RunContext) -> Step:
        return AdversarialStep(model, loss, ctx)

    def evaluate(self, model: Any, bundle: Any, *, seed: int, options: dict[str, Any]) -> Scores:
        from .gan_eval import evaluate_generator

        return evaluate_generator(model.sample, bundle, n=options["n"], seed=seed,
                                  judge=options.get("judge"), inception=options.get("inception_weights"))

    def report(self, evaluation: Any) -> list[str]:
        shares = evaluation.details.get("class_shares")
        lines = ["  class shares  " + " ".join(f"{k}:{v:.3f}" for k, v in shares.items())] if shares else []
        return lines + [f"note: {line}" for line in explained(self.spec, evaluation.metrics)]

    def draw(self, folder: Any, model: Any, evaluation: Any) -> list[str]:
        images = model.sample(64, seed=evaluation.seed)
        side = int(images.shape[-1])
        pictures.save_image(pictures.grid_image(images * 2 - 1, nrow=8, scale=pictures.auto_scale(side)),
                            folder / "samples.png")
        return ["samples.png"]

    def sample(self, model: Any, n: int, *, seed: int | None, options: dict[str, Any]) -> Samples:
        if options.get("interpolate"):
            frames = model.walk(int(options["interpolate"]), seed=seed)
            return Samples(frames, nrow=len(frames) // int(options["interpolate"]), animation=True)
        return Samples(model.sample(n, seed=seed, truncation=options.get("truncation")))

    def demo(self, model: Any) -> None:
        from .demos import generator_panel

        generator_panel(model)

    def usage(self, ref: str) -> tuple[list[str], list[str]]:
        return ([f'model = ganzoo.load("{ref}")',
                 "images = model.sample(64, seed=0)  # float (64, C, H, W) in [0, 1]"],
                [f"ganzoo sample {ref} --n 64 --out grid.png"])

    def card_notes(self, config: dict[str, Any]) -> list[str]:
        notes = [f"Note: {line}." for line in explained(self.spec, (config.get("evaluation") or {})
                                                         .get("metrics") or {})]
        shares = ((config.get("evaluation") or {}).get("details") or {}).get("class_shares")
        if shares:
            notes.append("Class shares of the samples: "
                         + ", ".join(f"{k}: {v:.3f}" for k, v in shares.items()))
        if "discriminator" not in (config.get("files") or {}):
            notes.append("Only the generator is shipped (`model.safetensors`); the discriminator is "
                         "not needed to sample and is left out to keep the zoo small.")
        return notes
