import numpy as np
import pytest
import torch
from scipy.signal import correlate2d

from core.imaging import pil_to_tensor, rgb_to_y
from core.metrics import image_quality, psnr, ssim
from core.sr.data import count_patches, load_eval_pairs, make_patches
from core.sr.evaluate import evaluate_pairs
from core.sr.model import FSRCNN
from core.sr.upscale import Upscaler, bicubic


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_fsrcnn_output_is_scale_times_larger(scale):
    model = FSRCNN(scale)
    y = torch.rand(2, 1, 13, 17)
    assert model(y).shape == (2, 1, 13 * scale, 17 * scale)


def test_fsrcnn_layers_follow_the_paper():
    m = FSRCNN(3, 56, 12, 4)
    assert m.feature[0].kernel_size == (5, 5) and m.feature[0].out_channels == 56
    assert m.shrink[0].kernel_size == (1, 1) and m.shrink[0].out_channels == 12
    assert len(m.mapping) == 4 and all(b[0].kernel_size == (3, 3) for b in m.mapping)
    assert m.expand[0].out_channels == 56
    assert m.deconv.kernel_size == (9, 9) and m.deconv.stride == (3, 3)
    assert m.deconv.weight.std().item() == pytest.approx(0.001, rel=0.2)
    s = FSRCNN(3, 32, 5, 1)
    # Weights only (as the paper counts): FSRCNN-s has 3,937 at x3 (the paper rounds to ~4k).
    weights = sum(p.numel() for n, p in s.named_parameters() if n.endswith("weight") and p.ndim == 4)
    assert weights == 25 * 32 + 32 * 5 + 9 * 5 * 5 + 5 * 32 + 81 * 32


@pytest.mark.parametrize("scale", [2, 4])
def test_tiled_upscaling_equals_whole_image(scale, photo):
    torch.manual_seed(0)
    model = FSRCNN(scale).eval()
    for p in model.parameters():  # a non-trivial network: random weights of a useful size
        p.data.normal_(0, 0.2)
    img = photo.crop((0, 0, 150, 110))
    whole = Upscaler(model, {}, tile=10_000)(img)
    tiled = Upscaler(model, {}, tile=32)(img)  # 5 x 4 tiles
    diff = np.abs(np.asarray(whole, dtype=int) - np.asarray(tiled, dtype=int))
    assert whole.size == (150 * scale, 110 * scale) and diff.max() <= 1


def test_psnr_and_ssim_against_known_values(photo):
    y = rgb_to_y(pil_to_tensor(photo))
    assert psnr(y, y + 1 / 255) == pytest.approx(20 * np.log10(255), abs=1e-4)  # float32 input
    noisy = (y + 0.05 * torch.randn_like(y, generator=torch.Generator().manual_seed(0))).clamp(0, 1)
    assert ssim(noisy, y) == pytest.approx(_matlab_ssim(noisy[0].double().numpy(), y[0].double().numpy()), abs=1e-6)
    assert image_quality(photo, photo)["ssim"] == pytest.approx(1.0)


def test_patches_are_aligned_lr_hr_pairs(hr_folder):
    ps = make_patches(hr_folder, 3, 10)
    assert ps.lr.shape[1:] == (1, 10, 10) and ps.hr.shape[1:] == (1, 30, 30) and len(ps) > 6 * 9
    lr, hr = ps.batch(torch.arange(8), torch.Generator().manual_seed(0))
    # The LR patch is the HR patch downscaled: the block means agree closely.
    down = torch.nn.functional.avg_pool2d(hr, 3)
    assert (down - lr).abs().mean() < 0.02


@pytest.mark.parametrize(("scale", "patch", "stride", "scales"), [(3, 10, None, (1.0, 0.9, 0.6)), (2, 24, 7, (1.0,)),
                                                                 (4, 20, None, (1.0, 0.7))])
def test_counting_patches_gives_the_number_make_patches_cuts(hr_folder, scale, patch, stride, scales):
    n = count_patches(hr_folder, scale, patch, stride, scales)
    assert n == len(make_patches(hr_folder, scale, patch, stride, scales)) > 0


def test_bicubic_baseline_on_an_eval_set(eval_root):
    pairs = load_eval_pairs(eval_root, 2)
    assert pairs[0].hr.size == (120, 120) and pairs[0].lr.size == (60, 60)
    r = evaluate_pairs(pairs, 2, None)
    assert 24 < r["psnr"] < 40 and 0.6 < r["ssim"] < 1
    assert bicubic(pairs[0].lr, 2).size == pairs[0].hr.size


def _matlab_ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Wang et al.'s SSIM as MATLAB computes it: 11x11 Gaussian (sigma 1.5), valid region, K = 0.01, 0.03."""
    x = np.arange(11) - 5
    k = np.outer(np.exp(-(x**2) / 4.5), np.exp(-(x**2) / 4.5))
    k /= k.sum()
    f = lambda z: correlate2d(z, k, mode="valid")  # noqa: E731
    mu1, mu2 = f(a), f(b)
    s11, s22, s12 = f(a * a) - mu1**2, f(b * b) - mu2**2, f(a * b) - mu1 * mu2
    c1, c2 = 0.01**2, 0.03**2
    return float((((2 * mu1 * mu2 + c1) * (2 * s12 + c2)) / ((mu1**2 + mu2**2 + c1) * (s11 + s22 + c2))).mean())


def test_evaluate_cli_prints_a_table_and_writes_the_card(eval_root, tmp_path, capsys):
    from core.checkpoints import load_checkpoint, save_checkpoint
    from train import sr as train_sr

    path = tmp_path / "fsrcnn_x3.safetensors"
    save_checkpoint(FSRCNN(3, 8, 4, 1), path, {"task": "sr", "name": "fsrcnn_x3", "arch": "fsrcnn",
                                                "config": {"scale": 3, "d": 8, "s": 4, "m": 1}})
    train_sr.main(["evaluate", str(path), "--data", str(eval_root.parent), "--sets", eval_root.name, "Nope",
                   "--write-card"])
    out = capsys.readouterr()
    assert f"| {eval_root.name} | 1 |" in out.out and "Nope: not found" in out.err
    card = load_checkpoint(path)[1]  # sha256 still matches after the card was rewritten
    r = card["metrics"][eval_root.name]
    assert r["bicubic_psnr"] == pytest.approx(evaluate_pairs(load_eval_pairs(eval_root, 3), 3, None)["psnr"], abs=1e-3)
    assert r["psnr"] < r["bicubic_psnr"]  # an untrained network is worse than bicubic: the numbers are real


def test_bad_scale_and_model_names_are_clear_errors():
    from core.sr.task import load_upscaler

    with pytest.raises(ValueError, match="Scale must be one of x2, x3, x4; got 5"):
        load_upscaler(5)
    with pytest.raises(ValueError, match="Unknown upscaler 'edsr'. Choose one of: fsrcnn, fsrcnn-s"):
        load_upscaler(2, "edsr")


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_the_sub_pixel_deconvolution_equals_the_transposed_convolution(scale):
    torch.manual_seed(scale)
    model = FSRCNN(scale, 8, 4, 1)
    torch.nn.init.normal_(model.deconv.weight, 0, 0.1)
    torch.nn.init.normal_(model.deconv.bias, 0, 0.1)
    x = torch.rand(2, 8, 11, 14)
    ref = model.deconv(x)  # PyTorch's own ConvTranspose2d with the same weights
    out = model.upsample(x)
    assert out.shape == ref.shape == (2, 1, 11 * scale, 14 * scale)
    torch.testing.assert_close(out, ref, rtol=0, atol=1e-5)
    # And the same gradients in the deconvolution's weights, so training the sub-pixel form trains the paper's layer.
    g_ref = torch.autograd.grad(ref.square().sum(), model.deconv.weight)[0]
    g_out = torch.autograd.grad(model.upsample(x).square().sum(), model.deconv.weight)[0]
    torch.testing.assert_close(g_out, g_ref, rtol=1e-4, atol=1e-5)


def test_the_validation_split_is_fixed_by_name_and_disjoint(hr_folder, tmp_path):
    from core.sr.data import split_images

    train, val = split_images(hr_folder, 2)
    assert [p.name for p in val] == ["img1.png", "img4.png"] and not set(train) & set(val)
    assert len(train) + len(val) == 6 and split_images(hr_folder, 2) == (train, val)
    with pytest.raises(ValueError, match="Cannot hold out 6 of the 6"):
        split_images(hr_folder, 6)


def _png_folder(root, name: str, count: int, side: int = 8):
    """`root/name` with `count` tiny PNGs named 00.png, 01.png, ... (plus a text file that is no image)."""
    from PIL import Image

    folder = root / name
    folder.mkdir()
    for i in range(count):
        Image.new("RGB", (side, side), (i * 20, 50, 100)).save(folder / f"{i:02d}.png")
    (folder / "notes.txt").write_text("not an image")
    return folder


def test_several_folders_hold_out_images_of_each_and_train_on_the_rest(tmp_path):
    from core.sr.data import split_images

    a, b = _png_folder(tmp_path, "a", 10), _png_folder(tmp_path, "b", 3)
    # One folder: the split it always had (evenly spread, fixed by name), given alone or in a list.
    assert [p.name for p in split_images(a, 3)[1]] == ["01.png", "05.png", "08.png"]
    assert split_images([a], 3) == split_images(a, 3) == split_images(str(a), 3)
    train, val = split_images([a, b], 1)
    assert val == [a / "05.png", b / "01.png"]  # one of each, in the order the folders are given
    assert train == split_images(a, 1)[0] + split_images(b, 1)[0]
    assert len(train) == 11 and not set(train) & set(val)
    assert split_images([b, a], 0) == (split_images(b, 0)[0] + split_images(a, 0)[0], [])
    with pytest.raises(ValueError, match="Cannot hold out 3 of the 3 images in .*b"):
        split_images([a, b], 3)
    with pytest.raises(ValueError, match="given twice"):
        split_images([a, b, tmp_path / "b" / ".." / "a"], 1)


def test_look_inside_shows_each_stage_and_its_last_stage_is_the_upscaled_luma(photo):
    import numpy as np
    import torch

    from core.imaging import rgb_to_y
    from core.sr import compare, inside
    from core.sr.task import load_upscaler

    up = load_upscaler(2)
    crop = photo.crop((200, 100, 232, 132))
    st = inside.stages(up, crop)
    cfg = up.model.config
    assert [s.name for s in st][:2] == ["Feature extraction", "Shrinking"] and len(st) == cfg.m + 4
    assert all(s.maps.shape == (inside.CHANNELS, 32, 32) for s in st[:-1]) and st[-1].maps.shape == (1, 64, 64)
    assert f"{cfg.d} maps" in st[0].shape and f"{cfg.s} maps" in st[1].shape
    y = rgb_to_y(torch.from_numpy(np.asarray(crop, dtype=np.float32) / 255).permute(2, 0, 1))[None]
    assert torch.allclose(st[-1].maps[0], up.upscale_y(y)[0, 0], atol=1e-4)  # what the upscaler itself computes
    # The channels shown are the most active: none of the hidden ones varies more.
    with torch.inference_mode():
        feats = up.model.feature(y)[0].flatten(1).std(1)
    assert float(st[0].maps.flatten(1).std(1).min()) >= float(feats.sort(descending=True).values[inside.CHANNELS])
    c = compare.compare(photo, up, ground_truth=True)
    v = inside.look_inside(c)
    assert len(inside.difference_maps(c)) == 3 and v.difference.width > 3 * 300 and v.stages.height > 6 * 100
    assert v.filters.size[0] > 14 * 48  # 56 filters, 14 a row


def test_difference_maps_amplify_the_luma_difference_by_their_stated_gain():
    from PIL import Image

    from core.sr import inside

    a, b = Image.new("RGB", (8, 8), (100, 100, 100)), Image.new("RGB", (8, 8), (110, 110, 110))
    d = inside.difference(a, b, gain=8)
    # 10 grey levels are 10 * 219/255 levels of BT.601 luma, drawn 8 times brighter.
    assert d.mode == "L" and set(d.getdata()) == {round(10 * 219 / 255 * 8)}
    assert set(inside.difference(a, a).getdata()) == {0}
