"""A task plugin the project does not ship: denoising autoencoders ("reconstruction").

It exists to prove the plugin contract: a new kind of model arrives as a task spec, a model
spec and a loss spec, with no change to ``ganzoo/``. Registration imports no torch; the
behaviour is in ``ganzoo_recon.impl``.
"""

from ganzoo import hookimpl
from ganzoo.specs import LossSpec, ModelSpec, Option, Param, TaskSpec


@hookimpl
def register_tasks(register):
    register(TaskSpec(
        name="reconstruction",
        builder="ganzoo_recon.impl:ReconstructionTask",
        description="Denoising autoencoders: reconstruct the clean image from a noisy one",
        pipeline_tag="image-to-image",
        tags=("autoencoder",),
        metrics=("recon_mse",),
        targets={"recon_mse": "<= 0.5 (mean squared error in [-1, 1] units)"},
        picture="reconstructions.png",
        options={"train": (Option("noise", "float", 0.0, "Std of the Gaussian noise added to inputs.",
                                  min=0, hint="try 0.1", recipe=True),),
                 "predict": (Option("show", "int", 3, "Decimals of the error shown.", min=0),)},
        verbs=("predict",),
    ))


@hookimpl
def register_models(register):
    register(ModelSpec(
        name="autoencoder",
        builder="ganzoo_recon.impl:AutoEncoder",
        description="Flatten -> Linear -> Linear autoencoder",
        task="reconstruction",
        default_loss="recon-l2",
        default_dataset="digits",
        inputs="images (N, C, S, S) in [-1, 1]",
        outputs="images (N, C, S, S) in [-1, 1]",
        params={"channels": Param("int", 1, "image channels"),
                "image_size": Param("int", 16, "image side"),
                "code": Param("int", 8, "size of the code")},
        data_params={"channels": "channels", "image_size": "image_size"},
        recipe={"batch_size": 32, "lr": 1e-3, "betas": (0.9, 0.999), "epochs": 2, "noise": 0.1,
                "datasets": {"digits": {"hparams": {"image_size": 16}}}},
    ))


@hookimpl
def register_losses(register):
    register(LossSpec(name="recon-l2", builder="ganzoo_recon.impl:L2",
                      description="Mean squared reconstruction error", tasks=("reconstruction",)))
