"""Fashion-MNIST classifiers, from the classic baselines to a strong small CNN.

Every model maps x: (N, 1, 28, 28) in [0, 1] to logits (N, 10), normalising its input itself, and
exposes `features(x)` (the penultimate layer) for FID with our own classifier.
"""

from __future__ import annotations

from torch import Tensor, nn

from core.registry import register_model

MEAN, STD = 0.2860, 0.3530  # Fashion-MNIST training-set pixel statistics


class Network(nn.Module):
    def normalise(self, x: Tensor) -> Tensor:
        return (x - MEAN) / STD

    def features(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def head(self) -> nn.Module:
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tensor:
        return self.head()(self.features(x))

    def probabilities(self, x: Tensor, flip_tta: bool = False) -> Tensor:
        """(N, 10) class probabilities for x (N, 1, 28, 28) in [0, 1].

        `flip_tta` averages them with those of the mirrored images (test-time augmentation; meant for
        models trained with horizontal flips, and recorded as `inference.flip_tta` in their cards).
        """
        p = self(x).softmax(-1)
        if flip_tta:
            p = (p + self(x.flip(-1)).softmax(-1)) / 2
        return p


@register_model("softmax")
class SoftmaxRegression(Network):
    """Multinomial logistic regression: one linear layer on the 784 pixels."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def features(self, x: Tensor) -> Tensor:
        return self.normalise(x).flatten(1)  # (N, 784)

    def head(self) -> nn.Module:
        return self.fc


@register_model("mlp")
class MLP(Network):
    """One hidden layer of `hidden` ReLU units."""

    def __init__(self, hidden: int = 500):
        super().__init__()
        self.hidden = nn.Sequential(nn.Linear(784, hidden), nn.ReLU())
        self.fc = nn.Linear(hidden, 10)

    def features(self, x: Tensor) -> Tensor:
        return self.hidden(self.normalise(x).flatten(1))  # (N, hidden)

    def head(self) -> nn.Module:
        return self.fc


@register_model("cnn")
class SmallCNN(Network):
    """Two conv layers: Conv5x5-16 + BN + ReLU + MaxPool, Conv5x5-32 + BN + ReLU + MaxPool, Linear."""

    def __init__(self):
        super().__init__()
        self.layer1 = nn.Sequential(nn.Conv2d(1, 16, 5, padding=2), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2))
        self.layer2 = nn.Sequential(nn.Conv2d(16, 32, 5, padding=2), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2))
        self.fc = nn.Linear(7 * 7 * 32, 10)

    def features(self, x: Tensor) -> Tensor:
        x = self.layer1(self.normalise(x))  # (N, 16, 14, 14)
        return self.layer2(x).flatten(1)  # (N, 32*7*7)

    def head(self) -> nn.Module:
        return self.fc


def conv_bn(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ResidualBlock(nn.Module):
    """x + conv-bn-relu-conv-bn (He et al. 2016), ReLU after the sum."""

    def __init__(self, c: int):
        super().__init__()
        self.body = nn.Sequential(conv_bn(c, c), nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c))
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        return self.act(x + self.body(x))


@register_model("resnet")
class SmallResNet(Network):
    """A small ResNet for 28x28: three stages of `width`, 2x, 4x channels at 28, 14 and 7 pixels."""

    def __init__(self, width: int = 32, blocks: int = 1, dropout: float = 0.2):
        super().__init__()
        w = width
        self.body = nn.Sequential(
            conv_bn(1, w),  # (N, w, 28, 28)
            *[ResidualBlock(w) for _ in range(blocks)],
            conv_bn(w, 2 * w, 2),  # (N, 2w, 14, 14)
            *[ResidualBlock(2 * w) for _ in range(blocks)],
            conv_bn(2 * w, 4 * w, 2),  # (N, 4w, 7, 7)
            *[ResidualBlock(4 * w) for _ in range(blocks)],
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),  # (N, 4w)
        )
        self.fc = nn.Sequential(nn.Dropout(dropout), nn.Linear(4 * w, 10))

    def features(self, x: Tensor) -> Tensor:
        return self.body(self.normalise(x))

    def head(self) -> nn.Module:
        return self.fc
