"""The seed tutorials' training scripts as their users run them, for whole-job benchmarks.

Each function is one tutorial's script, condensed but doing the same work in the same order:
its data pipeline (torchvision's ``MNIST`` reader + transforms + ``DataLoader``), its per-batch
or per-N-batch prints, and its epoch-end work (PyTorch-GAN saves a 5x5 grid every 400
batches; the DCGAN tutorial keeps the loss lists and a fixed-noise grid every 500 iterations;
the FashionMNIST tutorial runs its test loop after every epoch). ``benchmarks/whole_job.py``
runs each in a fresh process (imports included) against ``ganzoo train`` on the same images.

    python benchmarks/seed_jobs.py mlp-gan --root DIR --epochs 40 --out DIR
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def mnist(root: str, size: int, train: bool = True):  # noqa: ANN201 - torchvision dataset
    import torchvision.datasets as dset
    import torchvision.transforms as transforms

    return dset.MNIST(root, train=train, download=False, transform=transforms.Compose([
        transforms.Resize(size), transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]))


def pytorch_gan_nets(img_shape: tuple[int, int, int], latent_dim: int = 100) -> tuple:
    """PyTorch-GAN gan.py's Generator and Discriminator."""
    import math

    import torch
    import torch.nn as nn

    class Generator(nn.Module):
        def __init__(self) -> None:
            super().__init__()

            def block(in_feat: int, out_feat: int, normalize: bool = True) -> list[nn.Module]:
                layers: list[nn.Module] = [nn.Linear(in_feat, out_feat)]
                if normalize:
                    layers.append(nn.BatchNorm1d(out_feat, 0.8))
                layers.append(nn.LeakyReLU(0.2, inplace=True))
                return layers

            self.model = nn.Sequential(*block(latent_dim, 128, normalize=False), *block(128, 256),
                                       *block(256, 512), *block(512, 1024),
                                       nn.Linear(1024, math.prod(img_shape)), nn.Tanh())

        def forward(self, z: torch.Tensor) -> torch.Tensor:
            return self.model(z).view(z.size(0), *img_shape)

    class Discriminator(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = nn.Sequential(nn.Linear(math.prod(img_shape), 512), nn.LeakyReLU(0.2, inplace=True),
                                       nn.Linear(512, 256), nn.LeakyReLU(0.2, inplace=True),
                                       nn.Linear(256, 1), nn.Sigmoid())

        def forward(self, img: torch.Tensor) -> torch.Tensor:
            return self.model(img.view(img.size(0), -1))

    return Generator(), Discriminator()


def dcgan_nets(size: int, nc: int, width: int = 64, nz: int = 100) -> tuple:
    """The DCGAN tutorial's netG and netD (4 blocks at 64 px; one fewer per halving), initialised."""
    import torch.nn as nn

    ngf = ndf = width

    def weights_init(m: nn.Module) -> None:
        classname = m.__class__.__name__
        if classname.find("Conv") != -1:
            nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif classname.find("BatchNorm") != -1:
            nn.init.normal_(m.weight.data, 1.0, 0.02)
            nn.init.constant_(m.bias.data, 0)

    depth = size.bit_length() - 3  # 64 -> 4 blocks (the tutorial's), 32 -> 3
    mults = [2 ** i for i in range(depth - 1, -1, -1)]
    g: list[nn.Module] = [nn.ConvTranspose2d(nz, ngf * mults[0], 4, 1, 0, bias=False),
                          nn.BatchNorm2d(ngf * mults[0]), nn.ReLU(True)]
    for a, b in zip(mults, mults[1:]):
        g += [nn.ConvTranspose2d(ngf * a, ngf * b, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * b), nn.ReLU(True)]
    g += [nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh()]
    dm = mults[::-1]
    d: list[nn.Module] = [nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True)]
    for a, b in zip(dm, dm[1:]):
        d += [nn.Conv2d(ndf * a, ndf * b, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * b),
              nn.LeakyReLU(0.2, inplace=True)]
    d += [nn.Conv2d(ndf * dm[-1], 1, 4, 1, 0, bias=False), nn.Sigmoid()]
    netG, netD = nn.Sequential(*g), nn.Sequential(*d)
    netG.apply(weights_init)
    netD.apply(weights_init)
    return netG, netD


def mlp_gan(args: argparse.Namespace) -> None:
    """PyTorch-GAN implementations/gan/gan.py (latent 100, 28x28, batch 64, Adam 2e-4 (0.5, 0.999))."""
    import numpy as np
    import torch
    from torchvision.utils import save_image

    img_shape = (1, 28, 28)
    latent_dim, sample_interval = 100, 400
    adversarial_loss = torch.nn.BCELoss()
    generator, discriminator = pytorch_gan_nets(img_shape, latent_dim)
    # drop_last: ganzoo's GANs drop the partial batch; equal work per epoch (22 steps on digits)
    dataloader = torch.utils.data.DataLoader(mnist(args.root, 28), batch_size=64, shuffle=True, drop_last=True)
    optimizer_G = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    Tensor = torch.FloatTensor
    os.makedirs(Path(args.out) / "images", exist_ok=True)
    for epoch in range(args.epochs):
        for i, (imgs, _) in enumerate(dataloader):
            valid = Tensor(imgs.size(0), 1).fill_(1.0)
            fake = Tensor(imgs.size(0), 1).fill_(0.0)
            real_imgs = imgs.type(Tensor)
            optimizer_G.zero_grad()
            z = Tensor(np.random.normal(0, 1, (imgs.shape[0], latent_dim)))
            gen_imgs = generator(z)
            g_loss = adversarial_loss(discriminator(gen_imgs), valid)
            g_loss.backward()
            optimizer_G.step()
            optimizer_D.zero_grad()
            real_loss = adversarial_loss(discriminator(real_imgs), valid)
            fake_loss = adversarial_loss(discriminator(gen_imgs.detach()), fake)
            d_loss = (real_loss + fake_loss) / 2
            d_loss.backward()
            optimizer_D.step()
            print("[Epoch %d/%d] [Batch %d/%d] [D loss: %f] [G loss: %f]"  # noqa: UP031 - the seed's
                  % (epoch, args.epochs, i, len(dataloader), d_loss.item(), g_loss.item()))
            batches_done = epoch * len(dataloader) + i
            if batches_done % sample_interval == 0:
                save_image(gen_imgs.data[:25], str(Path(args.out) / "images" / f"{batches_done}.png"),
                           nrow=5, normalize=True)


def dcgan(args: argparse.Namespace) -> None:
    """The PyTorch DCGAN tutorial's script (nz 100, BCELoss, Adam 2e-4 (0.5, 0.999), 2 workers)."""
    import torch
    import torch.nn as nn
    import torch.optim as optim
    import torchvision.utils as vutils

    nc, nz, size = args.channels, 100, args.image_size
    if args.root:
        dataset = mnist(args.root, size)
    else:  # `fake`-like data already in memory, as floats in [-1, 1]
        g = torch.Generator().manual_seed(0)
        dataset = torch.utils.data.TensorDataset(torch.rand(args.n, nc, size, size, generator=g) * 2 - 1,
                                                 torch.zeros(args.n))
    dataloader = torch.utils.data.DataLoader(dataset, batch_size=args.batch, shuffle=True, num_workers=2,
                                             drop_last=True)  # as ganzoo: equal work per epoch
    device = torch.device("cpu")

    netG, netD = (net.to(device) for net in dcgan_nets(size, nc, args.width, nz))
    print(netG)
    print(netD)
    criterion = nn.BCELoss()
    fixed_noise = torch.randn(64, nz, 1, 1, device=device)
    real_label, fake_label = 1.0, 0.0
    optimizerD = optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
    img_list, G_losses, D_losses = [], [], []
    iters = 0
    print("Starting Training Loop...")
    for epoch in range(args.epochs):
        for i, data in enumerate(dataloader, 0):
            netD.zero_grad()
            real_cpu = data[0].to(device)
            b_size = real_cpu.size(0)
            label = torch.full((b_size,), real_label, dtype=torch.float, device=device)
            output = netD(real_cpu).view(-1)
            errD_real = criterion(output, label)
            errD_real.backward()
            D_x = output.mean().item()
            noise = torch.randn(b_size, nz, 1, 1, device=device)
            fake = netG(noise)
            label.fill_(fake_label)
            output = netD(fake.detach()).view(-1)
            errD_fake = criterion(output, label)
            errD_fake.backward()
            D_G_z1 = output.mean().item()
            errD = errD_real + errD_fake
            optimizerD.step()
            netG.zero_grad()
            label.fill_(real_label)
            output = netD(fake).view(-1)
            errG = criterion(output, label)
            errG.backward()
            D_G_z2 = output.mean().item()
            optimizerG.step()
            if i % 50 == 0:
                print("[%d/%d][%d/%d]\tLoss_D: %.4f\tLoss_G: %.4f\tD(x): %.4f\tD(G(z)): %.4f / %.4f"  # noqa: UP031
                      % (epoch, args.epochs, i, len(dataloader), errD.item(), errG.item(), D_x, D_G_z1, D_G_z2))
            G_losses.append(errG.item())
            D_losses.append(errD.item())
            if (iters % 500 == 0) or ((epoch == args.epochs - 1) and (i == len(dataloader) - 1)):
                with torch.no_grad():
                    fake = netG(fixed_noise).detach().cpu()
                img_list.append(vutils.make_grid(fake, padding=2, normalize=True))
            iters += 1


def classifier(args: argparse.Namespace) -> None:
    """The FashionMNIST quickstart: 784-512-512-10, SGD 1e-3, batch 64, a test loop per epoch."""
    import torch
    from torch import nn
    from torch.utils.data import DataLoader

    train_dataloader = DataLoader(mnist(args.root, 28), batch_size=64)
    test_dataloader = DataLoader(mnist(args.root, 28, train=False), batch_size=64)

    class NeuralNetwork(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(nn.Linear(28 * 28, 512), nn.ReLU(), nn.Linear(512, 512),
                                                   nn.ReLU(), nn.Linear(512, 10))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.linear_relu_stack(self.flatten(x))

    model = NeuralNetwork()
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    for t in range(args.epochs):
        print(f"Epoch {t + 1}\n-------------------------------")
        size = len(train_dataloader.dataset)
        model.train()
        for batch, (X, y) in enumerate(train_dataloader):
            loss = loss_fn(model(X), y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            if batch % 100 == 0:
                print(f"loss: {loss.item():>7f}  [{(batch + 1) * len(X):>5d}/{size:>5d}]")
        model.eval()
        test_loss, correct = 0.0, 0.0
        with torch.no_grad():
            for X, y in test_dataloader:
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(torch.float).sum().item()
        n = len(test_dataloader.dataset)
        avg = test_loss / len(test_dataloader)
        print(f"Test Error: \n Accuracy: {(100 * correct / n):>0.1f}%, Avg loss: {avg:>8f} \n")
    print("Done!")


JOBS = {"mlp-gan": mlp_gan, "dcgan": dcgan, "classifier": classifier}


def write_mnist(root: Path, train: tuple, test: tuple) -> None:
    """(uint8 images (N, 28, 28), int labels) as MNIST's idx files, for torchvision's reader."""
    import numpy as np

    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for split, (x, y) in (("train", train), ("t10k", test)):
        x, y = np.asarray(x, dtype=np.uint8), np.asarray(y, dtype=np.uint8)
        n, h, w = x.shape
        (raw / f"{split}-images-idx3-ubyte").write_bytes(
            np.array([0x803, n, h, w], dtype=">i4").tobytes() + x.tobytes())
        (raw / f"{split}-labels-idx1-ubyte").write_bytes(np.array([0x801, n], dtype=">i4").tobytes() + y.tobytes())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("job", choices=sorted(JOBS))
    ap.add_argument("--root", default="", help="MNIST-format folder (empty: in-memory fake data)")
    ap.add_argument("--epochs", type=int, required=True)
    ap.add_argument("--out", default=".")
    ap.add_argument("--n", type=int, default=512, help="fake images (dcgan without --root)")
    ap.add_argument("--image-size", type=int, default=64)
    ap.add_argument("--channels", type=int, default=3)
    ap.add_argument("--width", type=int, default=64, help="ngf = ndf")
    ap.add_argument("--batch", type=int, default=128)
    args = ap.parse_args()
    import torch

    torch.manual_seed(999)
    JOBS[args.job](args)


if __name__ == "__main__":
    main()
