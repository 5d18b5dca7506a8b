"""The PyTorch-basics seed's LSTM regressor: one prediction per time step."""

from ganzoo import hookimpl
from ganzoo.specs import ModelSpec, Param


@hookimpl
def register_models(register):
    register(
        ModelSpec(
            name="lstm-regressor",
            builder="ganzoo_plugins.lstm_regressor.model:LSTMRegressor",
            description="LSTM(1 -> hidden) + Linear(hidden -> 1) next-value regressor (basics seed)",
            task="regression",
            default_loss="mse",
            default_dataset="sine",
            inputs="series: (N, seq_len)",
            outputs="next values: (N, seq_len), output t predicts input t+1",
            params={
                "input_size": Param("int", 1, "features per time step", min=1, max=1024),
                "hidden_size": Param("int", 5, "LSTM hidden size", min=1, max=4096),
                "num_layers": Param("int", 1, "stacked LSTM layers", min=1, max=16),
                "seq_len": Param("int", 32, "window length used for training and summaries", min=1,
                                 max=100_000),
            },
            data_params={"seq_len": "seq_len"},
            recipe={"batch_size": 64, "lr": 1e-2, "betas": (0.9, 0.999), "epochs": 30,
                    "optimizer": "adam",
                    # The seed's 5 hidden units and 32-step windows stall at ~0.6x the naive
                    # forecast's MSE on sine (the first steps of a window lack context); wider
                    # and longer reaches ~0.38x (docs/benchmarks.md, Quality on digits).
                    "datasets": {"sine": {"batch_size": 32, "lr": 5e-3, "epochs": 40,
                                          "hparams": {"hidden_size": 32, "seq_len": 64}}}},
        )
    )
