"""The built-in tasks: unconditional GANs, image classification, series regression.

Registered through the ``ganzoo`` entry point ``tasks`` like any third-party task plugin. This
module imports no torch: the specs, their options and the options' checks are plain data and
functions; the behaviour lives in the modules each builder names.
"""

from __future__ import annotations

import difflib

from ganzoo import hookimpl
from ganzoo.errors import ConfigError
from ganzoo.limits import MAX_SAMPLES
from ganzoo.specs import Option, TaskSpec

#: DiffAugment policies (ganzoo_plugins/tasks/augment.py implements them).
AUGMENT_POLICIES = ("translation", "cutout", "color")


def canonical_policy(value: str) -> str:
    """``"cutout, translation"`` -> ``"cutout,translation"``; ``"none"`` or ``""`` -> ``""``."""
    names = [p.strip() for p in str(value or "").split(",") if p.strip()]
    if names in ([], ["none"]):
        return ""
    bad = [n for n in names if n not in AUGMENT_POLICIES]
    if bad:
        matches = difflib.get_close_matches(bad[0], AUGMENT_POLICIES, n=1)
        hint = f" — did you mean '{matches[0]}'?" if matches else ""
        raise ConfigError(f"--augment: unknown policy {bad[0]!r}{hint}; use a comma-separated "
                          f"list of {', '.join(AUGMENT_POLICIES)}, or none")
    return ",".join(dict.fromkeys(names))


#: Options of GAN runs; a conditional GAN task declares the same ones (they merge).
GAN_TRAIN_OPTIONS = (
    Option("augment", "str", "", "DiffAugment on every image D sees, e.g. "
           "translation,cutout,color or none (default: the model's recipe; helps small datasets).",
           metavar="POLICY", recipe=True, check=canonical_policy),
    Option("ema", "float", 0.0, "Save a moving average of G's weights with this decay, e.g. "
           "0.999; 0: off (default: the model's recipe).", metavar="DECAY", min=0, max=1,
           max_open=True, hint="0 turns it off; try 0.999", recipe=True),
)
GAN_EVAL_OPTIONS = (
    Option("n", "int", 1000, "Generated and real images each (capped at the test split's "
           "size).", min=2, max=MAX_SAMPLES, hint="try 1000"),
    Option("judge", "str", None, "Classifier whose features replace InceptionV3 (default: "
           "the pretrained classifier of the dataset, e.g. classifier.digits)."),
    Option("inception_weights", "path", None,
           "A local InceptionV3 FID weights file (never downloaded).", metavar="FILE"),
)
GAN_SAMPLE_OPTIONS = (
    Option("truncation", "float", None, "Redraw latent entries with |z| above this "
           "(truncation trick).", min=0, min_open=True, hint="try 0.7"),
    Option("interpolate", "int", None, "Write a looping latent walk through K random points "
           "instead: a strip PNG (one row per leg) and a GIF beside it.", metavar="K", min=2,
           max=MAX_SAMPLES // 8, hint="try 8"),
)
CONDITIONAL_SAMPLE_OPTIONS = GAN_SAMPLE_OPTIONS + (
    Option("labels", "str", None, "Classes to draw: 'all' (a class-by-row grid) or a comma-"
           "separated list of indices or names, e.g. 3,7; default: uniform.", metavar="LABELS"),
)
CONDITIONAL_TARGETS = {"label_agreement": ">= 0.95 (the judge classifier agrees with the asked class)",
                       "min_class_agreement": ">= 0.85", "mean_confidence": ">= 0.9",
                       "fid_ratio": "<= 2 (FID at most 2x the real-vs-real floor)"}
GAN_TARGETS = {"fid_ratio": "<= 3 (FID at most 3x the real-vs-real floor)",
               "mean_confidence": ">= 0.9", "min_class_share": ">= 0.05"}


#: KID estimates a squared distance without bias, so sampling noise can take it below 0.
_KID_NOTE = (0.0, "KID is an unbiased estimate: slightly below 0 when the two sets are "
                  "indistinguishable at this N")
GAN_NOTES = {"kid": _KID_NOTE, "kid_floor": _KID_NOTE}


GAN_SCORING = (
    "GANs are scored with classifier-FID and KID: the features are the penultimate layer of "
    "`classifier.digits` (InceptionV3 features of 8x8 digits mean little, and its weights are never "
    "downloaded). The floor is the same distance between N real training and N real test images: "
    "a generator cannot do better than that. Mean confidence and the smallest class share are the "
    "judge classifier's verdict on the samples (mode coverage).")


CONDITIONAL_SCORING = (
    "Class-conditional GANs are asked for N/K images of each of the K classes. The judge "
    "classifier's agreement with the asked class (overall and for the worst class) and its mean "
    "confidence say whether the label is obeyed; classifier-FID over all classes and within each "
    "class (intra-class FID, next to the same real-vs-real floor per class) say whether the "
    "images look like the data.")


@hookimpl
def register_tasks(register):
    register(TaskSpec(
        name="adversarial",
        builder="ganzoo_plugins.tasks.adversarial:AdversarialTask",
        description="Unconditional GANs: D on a real and a generated batch, then G "
                    "(the DCGAN tutorial's loop); any GAN loss plugin",
        pipeline_tag="unconditional-image-generation",
        tags=("gan",),
        metrics=("fid", "fid_floor", "fid_ratio", "kid", "mean_confidence", "min_class_share"),
        targets=GAN_TARGETS,
        picture="samples.png",
        options={"train": GAN_TRAIN_OPTIONS, "eval": GAN_EVAL_OPTIONS, "sample": GAN_SAMPLE_OPTIONS},
        verbs=("sample",),
        scoring=GAN_SCORING,
        metric_notes=GAN_NOTES,
    ))
    register(TaskSpec(
        name="conditional",
        builder="ganzoo_plugins.tasks.conditional:ConditionalTask",
        description="Class-conditional GANs: D judges (image, label) pairs, G draws for a label; "
                    "any GAN loss plugin",
        # The Hub has no class-conditional task and refuses a pipeline_tag it does not know: its
        # noise-to-image task, with the tags saying the class is asked for.
        pipeline_tag="unconditional-image-generation",
        tags=("gan", "class-conditional", "conditional-image-generation"),
        metrics=("label_agreement", "min_class_agreement", "mean_confidence", "fid", "fid_floor",
                 "fid_ratio", "fid_class", "fid_class_ratio"),
        targets=CONDITIONAL_TARGETS,
        picture="samples.png",
        options={"train": GAN_TRAIN_OPTIONS, "eval": GAN_EVAL_OPTIONS,
                 "sample": CONDITIONAL_SAMPLE_OPTIONS},
        verbs=("sample",),
        scoring=CONDITIONAL_SCORING,
        losses_from=("adversarial",),
        metric_notes=GAN_NOTES,
    ))
    register(TaskSpec(
        name="classification",
        builder="ganzoo_plugins.tasks.classification:ClassificationTask",
        description="Image classifiers: cross-entropy training, test loss and accuracy per epoch",
        pipeline_tag="image-classification",
        metrics=("test_accuracy",),
        targets={"test_accuracy": ">= 0.97"},
        picture="confusion_matrix.png",
        options={"predict": (Option("top", "int", 1, "How many classes to show per "
                                    "image.", min=1, max=MAX_SAMPLES),)},
        verbs=("predict",),
    ))
    register(TaskSpec(
        name="regression",
        builder="ganzoo_plugins.tasks.regression:RegressionTask",
        description="Next-value series regressors: test MSE against the naive last-value forecast",
        pipeline_tag="time-series-forecasting",
        metrics=("test_mse", "naive_mse", "mse_ratio"),
        targets={"mse_ratio": "<= 0.5 (test MSE at most half the naive forecast's)"},
        picture="forecast.png",
        options={"predict": (Option("steps", "int", 1, "How many future values to "
                                    "forecast.", min=1, max=MAX_SAMPLES),)},
        verbs=("predict",),
    ))
