"""GANs for 28x28 Fashion-MNIST, from the 2014 original to a modern class-conditional GAN.

Every generator maps `(z: (N, z_dim), y: (N,) class labels or None)` to images (N, 1, 28, 28) in
[-1, 1] and has `z_dim` and `num_classes` (0 when unconditional). Discriminators return logits (N,).

- `gan`: Goodfellow et al. 2014 as the seed tutorials build it: fully connected G and D, LeakyReLU,
  tanh output, optional dropout in D (the sigmoid lives in the loss, `BCEWithLogits`).
- `dcgan`: Radford et al. 2016 adapted to 28x28: transposed convolutions with BatchNorm and ReLU in G,
  strided convolutions with LeakyReLU in D, no pooling, no hidden fully connected layers.
- `cgan`: class-conditional, SNGAN/BigGAN style: conditional BatchNorm in G, spectral normalisation
  and a projection discriminator (Miyato & Koyama 2018), trained with the hinge loss.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm

from core.registry import register_model


@register_model("gan")
class MLPGenerator(nn.Module):
    def __init__(self, z_dim: int = 100, hidden: tuple[int, ...] = (256, 512, 1024)):
        super().__init__()
        self.z_dim, self.num_classes = z_dim, 0
        layers, d = [], z_dim
        for h in hidden:
            layers += [nn.Linear(d, h), nn.LeakyReLU(0.2)]
            d = h
        self.net = nn.Sequential(*layers, nn.Linear(d, 784), nn.Tanh())

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        return self.net(z).view(-1, 1, 28, 28)  # (N, 1, 28, 28)


class MLPDiscriminator(nn.Module):
    def __init__(self, hidden: tuple[int, ...] = (1024, 512, 256), dropout: float = 0.3):
        super().__init__()
        layers, d = [], 784
        for h in hidden:
            layers += [nn.Linear(d, h), nn.LeakyReLU(0.2), nn.Dropout(dropout)]
            d = h
        self.net = nn.Sequential(*layers, nn.Linear(d, 1))

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        return self.net(x.flatten(1)).squeeze(1)  # (N,) logits


def dcgan_init(module: nn.Module) -> None:
    """The DCGAN paper's initialisation: every weight from N(0, 0.02); batch-norm scales from N(1, 0.02), shifts 0."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


@register_model("dcgan")
class DCGANGenerator(nn.Module):
    def __init__(self, z_dim: int = 100, width: int = 64):
        super().__init__()
        self.z_dim, self.num_classes = z_dim, 0
        w = width
        self.project = nn.Sequential(nn.Linear(z_dim, 4 * w * 7 * 7, bias=False), nn.BatchNorm1d(4 * w * 7 * 7), nn.ReLU())
        self.net = nn.Sequential(
            nn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(),  # (N, 2w, 14, 14)
            nn.ConvTranspose2d(2 * w, w, 4, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),  # (N, w, 28, 28)
            nn.Conv2d(w, 1, 3, 1, 1), nn.Tanh(),  # (N, 1, 28, 28)
        )
        self.width = w
        dcgan_init(self)

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        return self.net(self.project(z).view(-1, 4 * self.width, 7, 7))


class DCGANDiscriminator(nn.Module):
    def __init__(self, width: int = 64):
        super().__init__()
        w = width
        self.net = nn.Sequential(
            nn.Conv2d(1, w, 4, 2, 1), nn.LeakyReLU(0.2),  # (N, w, 14, 14)
            nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.LeakyReLU(0.2),  # (N, 2w, 7, 7)
            nn.Flatten(), nn.Linear(2 * w * 7 * 7, 1),
        )
        dcgan_init(self)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        return self.net(x).squeeze(1)


class ConditionalBatchNorm(nn.Module):
    """BatchNorm whose scale and shift come from a class embedding (de Vries et al. 2017)."""

    def __init__(self, channels: int, num_classes: int):
        super().__init__()
        self.bn = nn.BatchNorm2d(channels, affine=False)
        self.gamma = nn.Embedding(num_classes, channels)
        self.beta = nn.Embedding(num_classes, channels)
        nn.init.ones_(self.gamma.weight)
        nn.init.zeros_(self.beta.weight)

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        return self.gamma(y)[:, :, None, None] * self.bn(x) + self.beta(y)[:, :, None, None]


class UpBlock(nn.Module):
    """Residual up-sampling block of G: CBN-ReLU-up-conv-CBN-ReLU-conv, plus an upsampled 1x1 shortcut."""

    def __init__(self, cin: int, cout: int, num_classes: int):
        super().__init__()
        self.bn1, self.bn2 = ConditionalBatchNorm(cin, num_classes), ConditionalBatchNorm(cout, num_classes)
        self.conv1, self.conv2 = nn.Conv2d(cin, cout, 3, 1, 1), nn.Conv2d(cout, cout, 3, 1, 1)
        self.skip = nn.Conv2d(cin, cout, 1)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        h = self.conv1(self.up(torch.relu(self.bn1(x, y))))
        h = self.conv2(torch.relu(self.bn2(h, y)))
        # A 1x1 convolution commutes with nearest up-sampling: the same shortcut at a quarter of the work.
        return h + self.up(self.skip(x))


@register_model("cgan")
class ConditionalGenerator(nn.Module):
    def __init__(self, z_dim: int = 128, width: int = 128, num_classes: int = 10):
        super().__init__()
        self.z_dim, self.num_classes, self.width = z_dim, num_classes, width
        self.project = nn.Linear(z_dim, width * 7 * 7)
        self.block1 = UpBlock(width, width, num_classes)  # (N, w, 14, 14)
        self.block2 = UpBlock(width, width // 2, num_classes)  # (N, w/2, 28, 28)
        self.out = nn.Sequential(nn.BatchNorm2d(width // 2), nn.ReLU(), nn.Conv2d(width // 2, 1, 3, 1, 1), nn.Tanh())

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        if y is None:
            raise ValueError("The conditional generator needs class labels y.")
        h = self.project(z).view(-1, self.width, 7, 7)
        return self.out(self.block2(self.block1(h, y), y))


class ProjectionDiscriminator(nn.Module):
    """Spectrally normalised conv D with a class projection: logit = psi(phi(x)) + <embed(y), phi(x)>.

    It also has an auxiliary class head on phi(x) (AC-GAN, Odena et al. 2017): `forward(x, y, with_class=True)`
    returns `(logit, class_logits)`; the trainer can add a cross-entropy on it to steer G harder by class.
    """

    def __init__(self, width: int = 128, num_classes: int = 10):
        super().__init__()
        w = width
        sn = spectral_norm
        self.phi = nn.Sequential(
            sn(nn.Conv2d(1, w // 2, 3, 1, 1)), nn.LeakyReLU(0.1),
            sn(nn.Conv2d(w // 2, w, 4, 2, 1)), nn.LeakyReLU(0.1),  # (N, w, 14, 14)
            sn(nn.Conv2d(w, w, 3, 1, 1)), nn.LeakyReLU(0.1),
            sn(nn.Conv2d(w, 2 * w, 4, 2, 1)), nn.LeakyReLU(0.1),  # (N, 2w, 7, 7)
            sn(nn.Conv2d(2 * w, 2 * w, 3, 1, 1)), nn.LeakyReLU(0.1),
        )
        self.psi = sn(nn.Linear(2 * w, 1))
        self.embed = sn(nn.Embedding(num_classes, 2 * w))
        self.classify = sn(nn.Linear(2 * w, num_classes))

    def forward(self, x: Tensor, y: Tensor | None = None, with_class: bool = False) -> Tensor | tuple[Tensor, Tensor]:
        h = self.phi(x).sum(dim=(2, 3))  # (N, 2w) global sum pooling
        out = self.psi(h).squeeze(1)
        if y is not None:
            out = out + (self.embed(y) * h).sum(1)
        return (out, self.classify(h)) if with_class else out


DISCRIMINATORS = {"gan": MLPDiscriminator, "dcgan": DCGANDiscriminator, "cgan": ProjectionDiscriminator}
