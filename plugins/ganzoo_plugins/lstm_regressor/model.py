"""The basics seed's ``Net(input_size=1, hidden_size=5)``: 166 parameters by default.

The seed feeds ``x[:, :, None]`` to a sequence-first LSTM; here the batch comes first, which is
how the trainer batches windows. Same layers, same parameter count.
"""

from __future__ import annotations

import torch
from torch import nn

from ganzoo_plugins.tasks.regression import RegressorModel


class _Net(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int) -> None:
        super().__init__()
        self.rnn = nn.LSTM(input_size, hidden_size, num_layers=num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[:, :, None] if x.dim() == 2 else x
        x, _ = self.rnn(x)
        return self.fc(x)[:, :, 0]


class LSTMRegressor(RegressorModel):
    def __init__(self, input_size: int = 1, hidden_size: int = 5, num_layers: int = 1,
                 seq_len: int = 32) -> None:
        super().__init__(input_size=input_size, hidden_size=hidden_size, num_layers=num_layers,
                         seq_len=seq_len)
        self.net = _Net(input_size, hidden_size, num_layers)
