"""The classification task's contract (see core.tasks): Fashion-MNIST from the paper baselines to a small ResNet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.fashion.evaluate import card_photos
from core.fashion.photos import CLOTHING_CREDIT
from core.fashion.predict import Classifier, open_classifier
from core.tasks import Entry, Paper, Task, Variant

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
#: The example photos the apps offer, shipped with what each shows (`python -m train.fashion examples`).
EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
MANIFEST = "manifest.json"


class ClassifyTask(Task):
    key = "fashion"
    order = 1
    tab = "Classify"
    icon = ":material/checkroom:"
    heading = "Fashion-MNIST classification"
    intro = (
        "Upload a photo of a garment or draw one. The image is turned into what the models were trained on: the "
        "garment found by how its colour differs from the background, light on black, cropped to it and shrunk to "
        "28×28 (shown below)."
    )
    picker = "Model (test accuracy · real photos)"
    what = "classifier"
    glossary = {
        "Test accuracy": "the share of the 10,000 Fashion-MNIST test images the model classifies right, measured "
                         "once, after every choice was made on held-out training images "
                         "(`python -m train.fashion evaluate`).",
        "Confusion matrix": "for each true class (row), how many test images the model put in each class (column): "
                            "the diagonal is right, the rest shows what it confuses (shirts with T-shirts).",
        "Real photos": "the share of 527 phone photos of clothes, held out from the clothing dataset, answered with a "
                       "class a person would accept (a shoe: sandal, sneaker or ankle boot), through this page's own "
                       "path (`python -m train.fashion photos`). It is lower than the test accuracy because "
                       "Fashion-MNIST is studio shots (one garment, centred, on white, shoes seen from the side) and "
                       "the photos are not: floors, hangers, a pair of shoes seen from above. \"Small ResNet + "
                       "photos\" was trained on 2,104 other such photos as well, and closes most of the gap.",
    }
    variants = {
        "softmax": Variant("softmax", "Softmax regression", FASHION_PAPER),
        "mlp": Variant("mlp", "MLP (1 hidden layer)", FASHION_PAPER, config={"hidden": 500}),
        "cnn": Variant("cnn", "Small CNN (2 conv layers)", FASHION_PAPER),
        "resnet": Variant("resnet", "Small ResNet (strong)", RESNET_PAPER,
                          config={"width": 32, "blocks": 1, "dropout": 0.2}),
        # The strong ResNet fine-tuned on Fashion-MNIST and real photos together (`fit --arch resnet-photos --init
        # checkpoints/fashion/resnet.safetensors --photos DIR`): the same network, its own card.
        "resnet-photos": Variant("resnet-photos", "Small ResNet + photos", RESNET_PAPER, arch="resnet",
                                 config={"width": 32, "blocks": 1, "dropout": 0.2}),
    }

    def open(self, path: Path) -> Classifier:
        return open_classifier(path)

    def rank(self, entry: Entry) -> tuple[float, float]:
        """The most accurate on real photos first (what visitors upload: the cards' grouped top-1 on the validation
        photos), then on the Fashion-MNIST test set; a card without a photo figure comes after those with one."""
        photo = card_photos(entry.card).get("photo_top1", -1.0)
        return -float(photo), -float(entry.metrics.get("test_accuracy", 0.0))

    def metric_labels(self, metrics: dict[str, Any]) -> list[str]:
        acc = metrics.get("test_accuracy")
        return [] if acc is None else [f"{acc * 100:.1f} %"]

    def entry_labels(self, entry: Entry) -> list[str]:
        """The test accuracy, then the grouped top-1 on real photos where the card holds it (`photos`)."""
        photo = card_photos(entry.card).get("photo_top1")
        return self.metric_labels(entry.metrics) + ([] if photo is None else [f"photos {photo * 100:.1f} %"])

    #: Above the examples: what they are; under them, the credit their licence asks for.
    examples_label = "Examples: real phone photos, none trained on"
    examples_credit = CLOTHING_CREDIT

    def examples(self, folder: Path = EXAMPLES_DIR) -> list[tuple[Path, str]]:
        """The shipped example photos with what each shows and the answers a person would accept ('shoes (Sandal,
        Sneaker or Ankle boot)'), from the folder's manifest; [] where there is none."""
        manifest = folder / MANIFEST
        if not manifest.is_file():
            return []
        rows = json.loads(manifest.read_text())["examples"]
        return [(folder / r["file"], r["class"]) for r in rows if (folder / r["file"]).is_file()]

    @staticmethod
    def side_by_side_markdown(rows: list[tuple[str, str, float]]) -> str:
        """`core.fashion.predict.side_by_side`'s answers as the apps show them: one line a model, baseline first."""
        return ("Each model on the same 28×28 view, from the paper's baseline up:\n\n"
                + "\n".join(f"- {m}: **{c}** ({p:.0%})" for m, c, p in rows))

    #: The classifier that judges generated images (classifier-feature FID, conditional accuracy: `train.gan
    #: evaluate`, `bench.gan_screen`): trained on Fashion-MNIST alone and fixed, so that a GAN measured today and
    #: one measured before stay comparable whichever model the Classify tab opens on.
    judge = "resnet"
    #: The checkpoint whose weights are drawn as one image per class (a linear model on the pixels).
    weights_model = "softmax"
    inside_label = "Look inside the classifier"
    stages_note = ("**Each stage of the network** on this input, named and shaped as in the model code: the most "
                   "active maps of each (each stretched to its own range, white the most active).")
    weights_note = ("**What the softmax regression learned**: its weights, one 28×28 image per class. A class's score "
                    "is the sum of each pixel times its weight, so a garment lit where its class is red scores high.")

    @staticmethod
    def evidence_note(method: str) -> str:
        """What the evidence picture shows, for `core.fashion.inside.evidence_method`'s `method`."""
        if method.startswith("Grad-CAM"):
            layer = method.split(", ", 1)[1]
            return (f"**Where the score comes from**, for the likeliest class and the runner-up: Grad-CAM on the "
                    f"last 7×7 maps ({layer}), each position weighted by its own gradient, enlarged. The layers "
                    "after them are linear, so the positions' shares add up to the class's score.")
        return ("**Which pixels raise the score**, for the likeliest class and the runner-up: integrated gradients "
                "from a black image. Each pixel's share of the change in the class's score from a black image to "
                "this one; the shares add up to that change.")

    def confusion_title(self, name: str) -> str:
        """The one wording of a confusion matrix's title: '<title>: test accuracy 95.1 %'."""
        e = self.entry(name)
        return f"{e.title}: test accuracy {e.metrics['test_accuracy']:.1%}"


TASK = ClassifyTask()
