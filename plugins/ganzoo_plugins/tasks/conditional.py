"""The ``conditional`` task: class-conditional GANs. Ask for a "7", get a 7.

The adversarial task's loop with the labels fed through: D sees (image, label) pairs, G draws
for a label, every GAN loss plugin works unchanged (``TaskSpec.losses_from``), and so do
DiffAugment, the weight average, resume and DDP. What changes is here: the model base class
(:class:`ConditionalGenerativeModel`), the step, the class-by-row grids, label-aware sampling
and latent walks, and an evaluation that checks the judge classifier agrees with the asked
label (:func:`ganzoo_plugins.tasks.gan_eval.evaluate_conditional`).

Generators take labels as class indices (N,) or as class weights (N, K), so a walk can blend
one class into the next; :func:`class_embedding` does the lookup for both.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from ganzoo import pictures
from ganzoo.display import explained
from ganzoo.errors import ConfigError
from ganzoo.sample import count, device_of, inference, normal, rng, slerp, to_unit
from ganzoo.tasks import Samples, Scores
from ganzoo.training.step import RunContext, Step

from .adversarial import AdversarialStep, AdversarialTask, GenerativeModel, walk_weights

#: Columns of the per-epoch class grid (one row per class).
GRID_COLUMNS = 8


def class_embedding(table: nn.Embedding, labels: torch.Tensor) -> torch.Tensor:
    """``table``'s rows for class indices (N,), or their weighted mix for class weights (N, K)."""
    if labels.dim() == 2:
        return labels.to(table.weight.dtype) @ table.weight
    return table(labels)


class ConditionalGenerativeModel(GenerativeModel):
    """A class-conditional GAN: ``generator(z, labels)`` and ``discriminator(images, labels)``."""

    task = "conditional"
    #: An exported generator takes class indices (int64, one per latent) beside the latents.
    export_inputs = ("z", "labels")

    @property
    def num_classes(self) -> int:
        return int(self.config["num_classes"])

    @property
    def class_names(self) -> list[str]:
        """Names from the saved config, else the indices as strings."""
        data = (getattr(self, "zoo_config", None) or {}).get("dataset") or {}
        names = data.get("class_names") if isinstance(data, dict) else None
        if isinstance(names, list) and len(names) == self.num_classes:
            return [str(n) for n in names]
        return [str(i) for i in range(self.num_classes)]

    def example_input(self, name: str, batch_size: int = 2) -> tuple[torch.Tensor, ...]:
        labels = torch.arange(batch_size) % self.num_classes
        if name == "generator":
            return (torch.randn(self.latent_shape(batch_size)), labels)
        return (torch.randn(batch_size, *self.image_shape), labels)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.generator(z, labels)

    def labels(self, labels: Any, n: int) -> torch.Tensor:
        """Class indices (n,) for ``labels``: one label or n of them, as indices or class names."""
        return resolve_labels(self, labels, n)

    def sample(self, n: int, seed: int | None = None, truncation: float | None = None,
               labels: Any = None) -> torch.Tensor:
        """``n`` images in [0, 1] for ``labels`` (indices or names; one for all, or n of them;
        None draws classes uniformly from the seed)."""
        z, y = latents_and_labels(self, n, seed, truncation, labels)
        return generate(self, z, y)

    def interpolate(self, n_steps: int = 8, seed: int | None = None, labels: Any = None) -> torch.Tensor:
        """Images along the slerp path between two latents; ``labels`` one class (a walk within
        it) or two (the class blends from the first into the second)."""
        n_steps = count(n_steps, "n_steps")
        z, _ = latents_and_labels(self, 2, seed, None, None)
        pair = [0, 0] if labels is None else labels
        ends = resolve_labels(self, pair if isinstance(pair, (list, tuple)) else [pair, pair], 2)
        t = torch.linspace(0.0, 1.0, n_steps) if n_steps > 1 else torch.zeros(1)
        one_hot = nn.functional.one_hot(ends, self.num_classes).float()
        mix = (1 - t)[:, None] * one_hot[0] + t[:, None] * one_hot[1]
        return generate(self, slerp(z[0], z[1], t), mix)

    def walk(self, points: int = 8, steps: int = 8, seed: int | None = None,
             labels: Any = None) -> torch.Tensor:
        """A looping walk through ``points`` random latents, ``steps`` frames per leg.

        ``labels``: one class (a walk within it), one per point (the class blends from point to
        point), or None (a random class per point).
        """
        points, steps = count(points, "points"), count(steps, "steps")
        g = rng(seed)
        z = normal(self.latent_shape(points), g)
        if labels is None:
            y = torch.randint(0, self.num_classes, (points,), generator=g)
        else:
            y = resolve_labels(self, labels, points)
        path, weights = walk_weights(z, steps)
        one_hot = nn.functional.one_hot(y, self.num_classes).float()
        return generate(self, path, weights @ one_hot)


def resolve_labels(model: ConditionalGenerativeModel, labels: Any, n: int) -> torch.Tensor:
    """Class indices (n,) from one label or n labels (ints, index strings or class names)."""
    names = model.class_names
    k = model.num_classes
    if isinstance(labels, torch.Tensor):
        values: list[Any] = labels.flatten().tolist()
    elif isinstance(labels, (list, tuple)):
        values = list(labels)
    else:
        values = [labels]
    if len(values) == 1:
        values = values * n
    elif len(values) != n:
        raise ConfigError(f"labels: give one label or {n} (one per image), got {len(values)}")
    out = []
    for value in values:
        if isinstance(value, str) and value in names:
            out.append(names.index(value))
            continue
        try:
            index = int(value) if not isinstance(value, bool) else None
        except (TypeError, ValueError):
            index = None
        if index is None or isinstance(value, float) and not float(value).is_integer():
            raise ConfigError(f"unknown label {value!r}; the classes are {_listing(names)}")
        if not 0 <= index < k:
            raise ConfigError(f"label {index} is out of range: the model has {k} classes, "
                              f"indices 0-{k - 1} ({_listing(names)})")
        out.append(index)
    return torch.tensor(out, dtype=torch.long)


def _listing(names: Sequence[str]) -> str:
    shown = ", ".join(names[:12])
    return shown + (f", ... ({len(names)} in all)" if len(names) > 12 else "")


def latents_and_labels(model: ConditionalGenerativeModel, n: int, seed: int | None,
                       truncation: float | None, labels: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Latents and labels on the CPU; unset labels are drawn uniformly after the latents."""
    g = rng(seed)
    z = normal(model.latent_shape(count(n)), g, truncation)
    if labels is None:
        return z, torch.randint(0, model.num_classes, (n,), generator=g)
    return z, resolve_labels(model, labels, n)


def generate(model: ConditionalGenerativeModel, z: torch.Tensor, labels: torch.Tensor,
             batch_size: int = 256) -> torch.Tensor:
    """Images in [0, 1] on the CPU for latents ``z`` and labels (indices or class weights)."""
    device = device_of(model)
    with inference(model):
        return torch.cat([to_unit(model, model.generator(zc.to(device), yc.to(device))).cpu()
                          for zc, yc in zip(z.split(batch_size), labels.split(batch_size))])


def parse_cli_labels(model: ConditionalGenerativeModel, text: str | None) -> list[int] | None:
    """``--labels``: ``all``, or a comma-separated list of class indices or names."""
    if text is None:
        return None
    if text.strip() == "all":
        return list(range(model.num_classes))
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise ConfigError("--labels: give class indices or names, e.g. --labels 3,7, or --labels all")
    return resolve_labels(model, parts, len(parts)).tolist()


# --------------------------------------------------------------------------------------------
# The training step


class ConditionalStep(AdversarialStep):
    """The adversarial step with labels: real pairs from the data, fakes for uniform labels."""

    def labels(self, y: torch.Tensor | None) -> torch.Tensor | None:
        if y is None:  # check_data guarantees labels; a direct caller gets a clear error
            raise ConfigError("a conditional GAN needs labelled data")
        return y.to(self.device, non_blocking=True)

    def critic(self, net: Callable[..., torch.Tensor],
               labels: torch.Tensor | None) -> Callable[[torch.Tensor], torch.Tensor]:
        return lambda images: net(images, labels)

    def discriminate(self, images: torch.Tensor, y: torch.Tensor | None,
                     net: Callable[..., torch.Tensor]) -> torch.Tensor:
        return net(self.augment(images), y)

    def fake_batch(self, n: int, y: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        z = self.model.sample_latent(n, generator=self.noise, device=self.device)
        asked = torch.randint(0, self.model.num_classes, (n,), generator=self.noise, device=self.device)
        return z, asked

    def grid_inputs(self, generator: torch.Generator) -> tuple[torch.Tensor, ...]:
        k = self.model.num_classes
        z = self.model.sample_latent(k * GRID_COLUMNS, generator=generator).to(self.device)
        return z, torch.arange(k, device=self.device).repeat_interleave(GRID_COLUMNS)

    def bn_inputs(self, n: int, generator: torch.Generator) -> tuple[torch.Tensor, ...]:
        z = self.model.sample_latent(n, generator=generator)
        return z, torch.randint(0, self.model.num_classes, (n,), generator=generator)

    def _frame(self, scale: int | None = None) -> Any:
        """One labelled row a class, always at viewing size (``scale`` is ignored: the labels'
        text would not survive upscaling)."""
        self._viewing_scale = 1  # drawn at viewing size already
        fake = self.generate(*self.fixed)
        grid = pictures.grid_image(fake, nrow=GRID_COLUMNS, scale=pictures.auto_scale(int(fake.shape[-1])))
        return pictures.label_rows(grid, class_names(self.ctx.bundle.class_names, self.model.num_classes))


def class_names(names: Sequence[str] | None, k: int) -> list[str]:
    return [str(n) for n in names] if names and len(names) == k else [str(i) for i in range(k)]


# --------------------------------------------------------------------------------------------
# The task


class ConditionalTask(AdversarialTask):
    """Class-conditional GANs: train on labelled data, score label agreement, sample by class."""

    def check_data(self, opts: Any, bundle: Any) -> None:
        from ganzoo.errors import DataError

        if bundle.train.y is None or bundle.num_classes is None:
            raise DataError(f"dataset '{bundle.name}' has no labels; model '{opts.model_spec.name}' "
                            f"is class-conditional and needs a labelled dataset (for example digits)")

    def make_step(self, model: Any, loss: Any, ctx: RunContext) -> Step:
        return ConditionalStep(model, loss, ctx)

    def evaluate(self, model: Any, bundle: Any, *, seed: int, options: dict[str, Any]) -> Scores:
        from .gan_eval import evaluate_conditional

        return evaluate_conditional(model, bundle, n=options["n"], seed=seed, judge=options.get("judge"),
                                    inception=options.get("inception_weights"))

    def report(self, evaluation: Any) -> list[str]:
        agreement = evaluation.details.get("class_agreement")
        fids = evaluation.details.get("class_fid")
        lines = []
        if agreement:
            lines.append("  agreement per class  " + " ".join(f"{k}:{v:.3f}" for k, v in agreement.items()))
        if fids:
            lines.append("  FID per class        " + " ".join(f"{k}:{v:.1f}" for k, v in fids.items()))
        return lines + [f"note: {line}" for line in explained(self.spec, evaluation.metrics)]

    def draw(self, folder: Any, model: Any, evaluation: Any) -> list[str]:
        per = GRID_COLUMNS
        labels = torch.arange(model.num_classes).repeat_interleave(per)
        images = model.sample(len(labels), seed=evaluation.seed, labels=labels)
        grid = pictures.grid_image(images * 2 - 1, nrow=per, scale=pictures.auto_scale(int(images.shape[-1])))
        pictures.save_image(pictures.label_rows(grid, model.class_names), folder / "samples.png")
        return ["samples.png"]

    def sample(self, model: Any, n: int, *, seed: int | None, options: dict[str, Any]) -> Samples:
        labels = parse_cli_labels(model, options.get("labels"))
        names = model.class_names
        if options.get("interpolate"):
            points = int(options["interpolate"])
            walk_labels = None if labels is None else [labels[i % len(labels)] for i in range(points)]
            frames = model.walk(points, seed=seed, labels=walk_labels)
            return Samples(frames, nrow=len(frames) // points, animation=True,
                           row_labels=None if walk_labels is None else
                           [f"{names[a]}>{names[b]}" if a != b else names[a]
                            for a, b in zip(walk_labels, walk_labels[1:] + walk_labels[:1])])
        truncation = options.get("truncation")
        if labels is None:
            return Samples(model.sample(n, seed=seed, truncation=truncation))
        per = math.ceil(n / len(labels))
        asked = torch.tensor(labels).repeat_interleave(per)
        images = model.sample(len(asked), seed=seed, truncation=truncation, labels=asked)
        return Samples(images, nrow=per, row_labels=[names[i] for i in labels])

    def demo(self, model: Any) -> None:
        from .demos import generator_panel

        generator_panel(model, class_names=model.class_names)

    def usage(self, ref: str) -> tuple[list[str], list[str]]:
        return ([f'model = ganzoo.load("{ref}")',
                 "sevens = model.sample(16, labels=7, seed=0)  # float (16, C, H, W) in [0, 1]",
                 "mixed = model.sample(4, labels=[3, 7, 3, 7])  # class indices or class names"],
                [f"ganzoo sample {ref} --labels all --out grid.png",
                 f"ganzoo sample {ref} --labels 3,7 --n 8 --out pairs.png",
                 f"ganzoo sample {ref} --interpolate 8 --out walk.png"])

    def card_notes(self, config: dict[str, Any]) -> list[str]:
        notes = [f"Note: {line}." for line in explained(self.spec, (config.get("evaluation") or {})
                                                         .get("metrics") or {})]
        details = (config.get("evaluation") or {}).get("details") or {}
        if details.get("class_agreement"):
            notes.append("Judge agreement with the asked class, per class: "
                         + ", ".join(f"{k}: {v:.3f}" for k, v in details["class_agreement"].items()))
        if "discriminator" not in (config.get("files") or {}):
            notes.append("Only the generator is shipped (`model.safetensors`); the discriminator is "
                         "not needed to sample and is left out to keep the zoo small.")
        return notes
