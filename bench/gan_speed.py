"""GAN generators: sampling throughput (images/s, batch 256) on the CPU and, where CUDA exists, the GPU, and the
time of one demo interaction on the CPU (what the Gradio/Streamlit handlers do: sample, grid, PNG, latents).
`--train` times instead one training step of the conditional GAN recipe (`train.gan.adversarial_step`, batch
64, AC weight 1.0) at widths 32 and 64, with the weights in the default (NCHW) and the channels-last (NHWC)
memory format that `train.gan fit` uses.

    python -m bench.gan_speed [--runs 20] [--threads N]
    python -m bench.gan_speed --train --threads 1
"""

from __future__ import annotations

import argparse
import io
import os
import platform

import torch

from bench.timing import median_seconds
from core.gan.explore import latents_npy
from core.gan.latent import latents
from core.gan.render import to_gif, to_grid
from core.gan.task import TASK
from core.registry import build_model


def images_per_s(sampler, device: str, batch: int, runs: int) -> float:
    g = sampler.g.to(device)
    z = latents(batch, 0, sampler.z_dim).to(device)
    y = sampler.labels(batch, 0, None)
    y = None if y is None else y.to(device)

    def run() -> None:
        with torch.inference_mode():
            g(z, y)
        if device == "cuda":
            torch.cuda.synchronize()

    seconds = median_seconds(run, runs)
    sampler.g.to("cpu")
    return batch / seconds


def demo_sample(sampler, n: int = 32) -> None:
    grid = to_grid(sampler.sample(n, seed=3), nrow=8)
    grid.save(io.BytesIO(), format="PNG")
    latents_npy(sampler, n, 3)


def demo_interpolate(sampler, steps: int = 10) -> None:
    frames = sampler.interpolate(3, 4, steps)
    to_grid(frames, nrow=steps).save(io.BytesIO(), format="PNG")
    to_gif(frames)


def train_step_seconds(width: int, channels_last: bool, runs: int, batch: int = 64) -> float:
    from core.gan.models import DISCRIMINATORS
    from train.gan import RECIPES, adversarial_step

    recipe = RECIPES["cgan"]
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    torch.manual_seed(0)
    g = build_model("cgan", **{**recipe["g"], "width": width}).to(memory_format=fmt)
    d = DISCRIMINATORS["cgan"](**{**recipe["d"], "width": width}).to(memory_format=fmt)
    opt_g = torch.optim.Adam(g.parameters(), recipe["lr_g"], betas=recipe["betas"])
    opt_d = torch.optim.Adam(d.parameters(), recipe["lr_d"], betas=recipe["betas"])
    real, y = torch.rand(batch, 1, 28, 28) * 2 - 1, torch.randint(0, 10, (batch,))
    return median_seconds(lambda: adversarial_step(g, d, opt_g, opt_d, real, y, torch.randn(batch, g.z_dim),
                                                   recipe["loss"], aux_weight=1.0), runs)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--threads", type=int)
    p.add_argument("--train", action="store_true", help="time a training step of the conditional GAN instead")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    cuda = torch.cuda.is_available()
    print(f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"{torch.get_num_threads()} torch threads, torch {torch.__version__}"
          + (f"; GPU: {torch.cuda.get_device_name()}" if cuda else "; no GPU") + "\n")
    if args.train:
        print("| conditional GAN width | NCHW s/step | channels-last s/step |\n|---|---|---|")
        for width in (32, 64):
            nchw, nhwc = (train_step_seconds(width, cl, args.runs) for cl in (False, True))
            print(f"| {width} | {nchw:.3f} | {nhwc:.3f} |")
        return
    gpu_col = " GPU images/s |" if cuda else ""
    print(f"| model | parameters (G) | CPU images/s (batch {args.batch}) |{gpu_col} demo: sample 32 + grid + PNG + latents | demo: interpolate 10 frames + GIF |")
    print("|---|---|---|" + ("---|" if cuda else "") + "---|---|")
    for arch in TASK.names():
        s = TASK.load(arch)
        params = sum(q.numel() for q in s.g.parameters())
        cpu = images_per_s(s, "cpu", args.batch, args.runs)
        gpu = f" {images_per_s(s, 'cuda', args.batch, args.runs):,.0f} |" if cuda else ""
        sample_ms = median_seconds(lambda s=s: demo_sample(s), args.runs) * 1000
        interp_ms = median_seconds(lambda s=s: demo_interpolate(s), args.runs) * 1000
        print(f"| {s.card['title']} | {params:,} | {cpu:,.0f} |{gpu} {sample_ms:.0f} ms | {interp_ms:.0f} ms |")


if __name__ == "__main__":
    main()
