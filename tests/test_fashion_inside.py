"""Looking inside the classifiers (core.fashion.inside): evidence maps, stages and the softmax weight images, checked
against what the models compute, on the shipped checkpoints and on a network built by hand."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from core.fashion import inside
from core.fashion.data import CLASSES
from core.fashion.models import STD, SmallCNN
from core.fashion.predict import Classifier, image_to_tensor, to_fashion_mnist
from core.fashion.task import TASK
from core.imaging import CAPTION_PX, open_image


@pytest.fixture(scope="module")
def views() -> list[Image.Image]:
    """The 28x28 views of the shipped example photos (a T-shirt, trousers, a dress, shoes, a long-sleeved top, a
    jacket)."""
    return [to_fashion_mnist(open_image(p)) for p, _ in TASK.examples()]


def _bars() -> Image.Image:
    """A vertical bar in the top-left quarter and a horizontal bar in the bottom-right one."""
    a = np.zeros((28, 28), np.uint8)
    a[3:11, 5:8] = 255
    a[20:23, 17:25] = 255
    return Image.fromarray(a, "L")


def _bar_detector() -> Classifier:
    """A small CNN built by hand: layer1's channel 0 answers the middle of vertical bars, channel 1 of horizontal
    ones (zero-sum kernels, so a flat background gives 0, and a threshold, so a bar's ends do not count as the
    other direction); layer2 passes them on; class 'Trouser' reads channel 0 alone, class 'Bag' channel 1 alone.
    Batch norm keeps its initial statistics (an identity)."""
    net = SmallCNN().eval()
    with torch.no_grad():
        for p in (net.layer1[0].weight, net.layer1[0].bias, net.layer2[0].weight, net.layer2[0].bias, net.fc.weight,
                  net.fc.bias):
            p.zero_()
        vertical = torch.zeros(5, 5)
        vertical[:, 2], vertical[:, 0], vertical[:, 4] = 1.0, -0.5, -0.5
        net.layer1[0].weight[0, 0] = vertical
        net.layer1[0].weight[1, 0] = vertical.T
        net.layer1[0].bias[:2] = -6.0  # a bar's middle gives 7-14, its ends 4 at most
        net.layer2[0].weight[0, 0, 2, 2] = net.layer2[0].weight[1, 1, 2, 2] = 1.0
        fc = net.fc.weight.view(10, 32, 7, 7)
        fc[CLASSES.index("Trouser"), 0] = 1.0
        fc[CLASSES.index("Bag"), 1] = 1.0
    return Classifier(net, {"arch": "cnn", "title": "bar detector"})


def test_grad_cam_is_highest_where_the_evidence_for_each_class_lies():
    clf, img = _bar_detector(), _bars()
    for cls, (rows, cols) in {"Trouser": (slice(0, 14), slice(0, 14)), "Bag": (slice(14, 28), slice(14, 28))}.items():
        ev = inside.evidence(clf, img, CLASSES.index(cls))
        assert ev.method == "Grad-CAM, layer2" and ev.heat.shape == (28, 28) and float(ev.heat.max()) == 1.0
        y, x = divmod(int(ev.heat.argmax()), 28)
        assert rows.start <= y < rows.stop and cols.start <= x < cols.stop, (cls, y, x)
        assert float(ev.heat[rows, cols].sum()) > 0.9 * float(ev.heat.sum())  # the other bar gets (almost) none
    # A class nothing speaks for: no evidence, and the panel says so rather than showing a stretched nothing.
    assert float(inside.evidence(clf, img, CLASSES.index("Dress")).heat.max()) == 0.0


@pytest.mark.parametrize("arch", ["cnn", "resnet"])
def test_grad_cam_splits_the_class_score_over_the_last_maps(arch, views):
    """Everything after the last 7x7 maps is linear, so the map by position sums to the score minus the bias."""
    clf = TASK.load(arch)
    head = clf.model.fc if arch == "cnn" else clf.model.fc[-1]
    for view in views:
        with torch.no_grad():
            logits = clf.model(image_to_tensor(view))[0] - head.bias
        for cls in logits.argsort(descending=True)[:2].tolist():
            ev = inside.evidence(clf, view, cls)
            assert ev.raw.shape == (7, 7)
            assert float(ev.raw.sum()) == pytest.approx(float(logits[cls]), abs=1e-3)


@pytest.mark.parametrize("arch", ["softmax", "mlp"])
def test_integrated_gradients_split_the_score_change_from_black_over_the_pixels(arch, views):
    clf = TASK.load(arch)
    for view in views:
        x = image_to_tensor(view)
        with torch.no_grad():
            change = clf.model(x)[0] - clf.model(torch.zeros_like(x))[0]
        for cls in clf.predict_tensor(x)[0].argsort(descending=True)[:2].tolist():  # the classes the panel shows
            ev = inside.evidence(clf, view, cls)
            assert ev.method == "integrated gradients" and ev.raw.shape == (28, 28)
            # Up to the path's discretisation (ReLU's kinks): 0.5 % of the largest change.
            assert float(ev.raw.sum()) == pytest.approx(float(change[cls]), abs=5e-3 * float(change.abs().max()))
            if arch == "softmax":  # linear: exactly weight x pixel / std
                expected = inside.softmax_weights(clf)[cls] * x[0, 0] / STD
                assert torch.allclose(ev.raw, expected, atol=1e-5)


def test_stages_are_the_model_layers_outputs_and_show_the_most_active_channels(views):
    view = views[1]
    x = image_to_tensor(view)
    cnn = TASK.load("cnn")
    st = inside.stages(cnn, view)
    assert [s.name for s in st] == ["input", "layer1", "layer2"]
    assert [s.shape for s in st] == [(1, 28, 28), (16, 14, 14), (32, 7, 7)]
    with torch.no_grad():
        a1 = cnn.model.layer1(cnn.model.normalise(x))[0]
        a2 = cnn.model.layer2(a1[None])[0]
    assert torch.allclose(st[0].maps, cnn.model.normalise(x)[0])
    for s, a in ((st[1], a1), (st[2], a2)):
        means = a.flatten(1).mean(1)
        top = means.argsort(descending=True)[: inside.CHANNELS]
        assert torch.allclose(s.maps, a[top])  # the channels shown, in order of mean activation
        assert float(s.maps.flatten(1).mean(1).min()) >= float(means.sort(descending=True).values[inside.CHANNELS])
    # The ResNet's three stages at 28, 14 and 7 pixels (its docstring's), then the pooled vector.
    res = TASK.load("resnet")
    w = res.card["config"]["width"]
    st = inside.stages(res, view)
    assert [s.shape for s in st] == [(1, 28, 28), (w, 28, 28), (2 * w, 14, 14), (4 * w, 7, 7), (4 * w,)]
    assert st[-1].maps.numel() == 4 * w and "units, drawn" in st[-1].caption
    with torch.no_grad():
        pooled = res.model.features(x)[0]
    assert torch.allclose(st[-1].maps.flatten(), pooled, atol=1e-6)
    # The MLP's hidden layer, all its units; the softmax regression has no stage but its input.
    mlp = inside.stages(TASK.load("mlp"), view)
    assert [s.shape for s in mlp] == [(1, 28, 28), (500,)] and mlp[1].maps.shape == (1, 20, 25)
    assert [s.name for s in inside.stages(TASK.load("softmax"), view)] == ["input"]
    panel = inside.stages_panel(st)
    assert panel.height >= len(st) * (inside.LABEL_H + inside.MAP_SIDE // 2) and panel.width >= 4 * inside.MAP_SIDE


def test_softmax_weight_images_are_its_weight_matrix_drawn_red_positive_blue_negative():
    from matplotlib import colormaps

    sm = TASK.load("softmax")
    w = inside.softmax_weights(sm)
    assert w.shape == (10, 28, 28) and torch.equal(w, sm.model.fc.weight.detach().reshape(10, 28, 28))
    for cls in (1, 5):
        img = np.asarray(inside.diverging(w[cls], side=28 * 5))[2::5, 2::5].astype(int)  # one sample per pixel
        scale = inside.weight_scale(w[cls])
        expected = np.round(colormaps["RdBu_r"](((w[cls] / scale).clamp(-1, 1).numpy() + 1) / 2)[..., :3] * 255)
        assert np.abs(img - expected).max() <= 1
        hi, lo = divmod(int(w[cls].argmax()), 28), divmod(int(w[cls].argmin()), 28)
        assert img[hi][0] > img[hi][2] and img[lo][2] > img[lo][0]  # red where most positive, blue most negative
        assert (w[cls].abs() > scale).float().mean() == pytest.approx(1 - inside.WEIGHT_QUANTILE, abs=0.002)
    panel = inside.weights_panel(sm)
    assert panel.width >= 5 * inside.WEIGHT_SIDE and panel.height >= 2 * inside.WEIGHT_SIDE
    with pytest.raises(TypeError, match="not the softmax regression"):
        inside.softmax_weights(TASK.load("cnn"))


def test_saliency_figure_of_an_image_is_the_panel_of_what_the_classifier_sees():
    path, _ = TASK.examples()[1]
    clf = TASK.load(TASK.default())
    img = open_image(path)
    fig = inside.saliency_figure(img, clf)
    panel = inside.saliency_panel(clf, to_fashion_mnist(img))
    assert np.array_equal(np.asarray(fig), np.asarray(panel))
    # The view and two classes, each 8 px per pixel, each captioned at a readable size.
    assert fig.width == 3 * inside.VIEW_SIDE + 2 * 6 and inside.VIEW_SIDE >= 8 * 28 and CAPTION_PX >= 18
    v = inside.look_inside(clf, to_fashion_mnist(img), TASK.load("softmax"))
    assert np.array_equal(np.asarray(v.saliency), np.asarray(panel)) and v.weights is not None
    assert v.method == inside.evidence_method(clf)
