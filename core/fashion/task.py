"""The classification task's contract (see core.tasks): Fashion-MNIST from the paper baselines to a small ResNet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core import checkpoints
from core.tasks import Paper, Task, Variant

FASHION_PAPER = Paper(
    "Xiao, Rasul, Vollgraf. Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning Algorithms. 2017.",
    "https://arxiv.org/abs/1708.07747",
)
RESNET_PAPER = Paper("He, Zhang, Ren, Sun. Deep Residual Learning for Image Recognition. CVPR 2016.",
                     "https://arxiv.org/abs/1512.03385")
#: Pixel size at which the apps show the model's 28x28 view (6x, nearest neighbour).
VIEW_SIZE = 168
#: The drawing canvas (pixels) and its brush's stroke width: a tenth of the canvas per Fashion-MNIST pixel, so
#: a 14 px stroke lands as about 1.5-2 px once a drawing is cropped and shrunk to 28x28: strokes stay apart
#: instead of merging into a blob.
SKETCH_SIZE = 280
SKETCH_STROKE = 14


class ClassifyTask(Task):
    key = "fashion"
    tab = "Classify"
    icon = ":material/checkroom:"
    heading = "Fashion-MNIST classification"
    intro = (
        "Upload a photo of a garment (on a light background) or draw one. The image is turned into what the "
        "models were trained on: grayscale, inverted, cropped to the object and shrunk to 28×28 (shown below)."
    )
    picker = "Model (test accuracy)"
    model_module = "core.fashion.models"
    variants = {
        "softmax": Variant("softmax", "Softmax regression", FASHION_PAPER),
        "mlp": Variant("mlp", "MLP (1 hidden layer)", FASHION_PAPER, config={"hidden": 500}),
        "cnn": Variant("cnn", "Small CNN (2 conv layers)", FASHION_PAPER),
        "resnet": Variant("resnet", "Small ResNet (strong)", RESNET_PAPER,
                          config={"width": 32, "blocks": 1, "dropout": 0.2}),
    }

    def default(self) -> str:
        """The most accurate shipped classifier that loads; the last shipped one if none does."""
        from core.fashion.predict import best_arch

        try:
            return best_arch()
        except checkpoints.CheckpointError:
            have = self.available()
            return have[-1] if have else "resnet"

    def load(self, name: str) -> Any:
        from core.fashion.predict import load_classifier

        return load_classifier(name)

    def metric_labels(self, metrics: dict[str, Any]) -> list[str]:
        acc = metrics.get("test_accuracy")
        return [] if acc is None else [f"{acc * 100:.1f} %"]

    def examples(self) -> list[tuple[Path, str]]:
        """The example photos (`core.examples.fashion_example_files`) with their true class; [] without the data."""
        from core.examples import fashion_example_files
        from core.fashion.data import CLASSES, load_split

        files = fashion_example_files()
        if not files:
            return []
        labels = load_split(train=False)[1]
        return [(p, CLASSES[int(labels[int(p.stem.removeprefix("fashion_test"))])]) for p in files]

    def confusion_title(self, name: str) -> str:
        """The one wording of a confusion matrix's title: '<title>: test accuracy 95.1 %'."""
        card = self.card(name)
        return f"{card['title']}: test accuracy {card['metrics']['test_accuracy']:.1%}"


TASK = ClassifyTask()
