"""Fashion-MNIST classification: data, the classic baselines to a strong small CNN, and `load_classifier`."""

from core.fashion.data import CLASSES, load_split, to_input
from core.fashion.models import MLP, SmallCNN, SmallResNet, SoftmaxRegression
from core.fashion.predict import Classifier, load_classifier, to_fashion_mnist
from core.fashion.task import TASK

__all__ = [
    "CLASSES", "MLP", "TASK", "Classifier", "SmallCNN", "SmallResNet", "SoftmaxRegression",
    "load_classifier", "load_split", "to_fashion_mnist", "to_input",
]
