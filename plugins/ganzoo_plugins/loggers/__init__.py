"""The built-in experiment loggers (``ganzoo train --logger NAME``); ``metrics.jsonl`` is always
written by the trainer itself. Registration imports neither torch nor TensorBoard."""

from ganzoo import hookimpl
from ganzoo.specs import LoggerSpec


@hookimpl
def register_loggers(register):
    register(LoggerSpec(
        name="tensorboard",
        builder="ganzoo_plugins.loggers.tensorboard:TensorBoardLogger",
        description="TensorBoard event files in the run folder: every metric, the pictures, the "
                    "hyperparameters (tensorboard --logdir runs/)",
        requires=("tensorboard",),
        install="pip install 'ganzoo[tensorboard]'",
    ))
    register(LoggerSpec(
        name="csv",
        builder="ganzoo_plugins.loggers.csv_file:CsvLogger",
        description="metrics.csv in the run folder: the records of metrics.jsonl as a table",
    ))
