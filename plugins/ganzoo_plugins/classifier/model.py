"""Classifier networks of the FashionMNIST and PyTorch-basics seeds.

``MLPClassifier`` at 1x28x28 / 10 classes is the tutorial's 669,706-parameter network.
``CNNClassifier`` keeps the basics seed's layer order with narrower widths (the seed's
128*14*14 -> 1024 layer alone has 25.7 M parameters).
"""

from __future__ import annotations

from torch import nn

from ganzoo_plugins.tasks.classification import ClassifierModel


class MLPClassifier(ClassifierModel):
    def __init__(self, channels: int = 1, image_size: int = 28, num_classes: int = 10,
                 hidden: int = 512) -> None:
        super().__init__(channels=channels, image_size=image_size, num_classes=num_classes,
                         hidden=hidden)
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(channels * image_size * image_size, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, num_classes),
        )


class CNNClassifier(ClassifierModel):
    def __init__(self, channels: int = 1, image_size: int = 28, num_classes: int = 10,
                 width: int = 16, fc: int = 256, dropout: float = 0.5) -> None:
        super().__init__(channels=channels, image_size=image_size, num_classes=num_classes,
                         width=width, fc=fc, dropout=dropout)
        half = image_size // 2
        self.net = nn.Sequential(
            nn.Conv2d(channels, width, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(width, 2 * width, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(stride=2, kernel_size=2),
            nn.Flatten(),
            nn.Linear(2 * width * half * half, fc),
            nn.ReLU(),
            nn.Dropout(p=dropout),
            nn.Linear(fc, num_classes),
        )
