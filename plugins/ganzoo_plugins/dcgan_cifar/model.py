"""The seed's ``gnet`` and ``dnet``, layer for layer, so its ``state_dict`` files load as they are.

G: ConvTranspose 64->256 (4x4), 256->128, 128->64 (stride 2, BatchNorm, ReLU, no bias), then a
biased 64->3 ConvTranspose and a Sigmoid: images in [0, 1], as ``transforms.ToTensor`` gives
them (``value_range``). D: a biased 3->64 conv with LeakyReLU(0.2), 64->128 and 128->256 convs
with BatchNorm, and a biased 4x4 conv to one logit (the seed's BCEWithLogitsLoss applies the
sigmoid). Xavier-normal conv weights, BatchNorm N(1, 0.02) and zero bias, as the seed's
``weights_init``. At the defaults: G 921,475 and D 663,361 parameters.
"""

from __future__ import annotations

from torch import nn
from torch.nn import init

from ganzoo_plugins.tasks.adversarial import GenerativeModel


def weights_init(m: nn.Module) -> None:
    """The seed's initialisation."""
    if type(m) in (nn.ConvTranspose2d, nn.Conv2d):
        init.xavier_normal_(m.weight)
    elif type(m) is nn.BatchNorm2d:
        init.normal_(m.weight, 1.0, 0.02)
        init.constant_(m.bias, 0)


class DCGANCifar(GenerativeModel):
    value_range = (0.0, 1.0)

    def __init__(self, latent_size: int = 64, n_g_feature: int = 64, n_d_feature: int = 64,
                 channels: int = 3, image_size: int = 32) -> None:
        super().__init__(latent_size=latent_size, n_g_feature=n_g_feature, n_d_feature=n_d_feature,
                         channels=channels, image_size=image_size)
        g, d = n_g_feature, n_d_feature
        self.generator = nn.Sequential(
            nn.ConvTranspose2d(latent_size, 4 * g, kernel_size=4, bias=False),
            nn.BatchNorm2d(4 * g),
            nn.ReLU(),
            nn.ConvTranspose2d(4 * g, 2 * g, kernel_size=4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(2 * g),
            nn.ReLU(),
            nn.ConvTranspose2d(2 * g, g, kernel_size=4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(g),
            nn.ReLU(),
            nn.ConvTranspose2d(g, channels, kernel_size=4, stride=2, padding=1),
            nn.Sigmoid(),
        )
        self.discriminator = nn.Sequential(
            nn.Conv2d(channels, d, kernel_size=4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(d, 2 * d, kernel_size=4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(2 * d),
            nn.LeakyReLU(0.2),
            nn.Conv2d(2 * d, 4 * d, kernel_size=4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(4 * d),
            nn.LeakyReLU(0.2),
            nn.Conv2d(4 * d, 1, kernel_size=4),
            nn.Flatten(0),  # (N, 1, 1, 1) -> (N,) logits; no parameters, so the seed's keys fit
        )
        self.apply(weights_init)

    @property
    def latent_dim(self) -> int:
        return int(self.config["latent_size"])

    def latent_shape(self, n: int) -> tuple[int, ...]:
        return (n, self.latent_dim, 1, 1)
