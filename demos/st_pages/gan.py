"""Streamlit page: explore the latent space of GANs trained on Fashion-MNIST."""

import io
import random

import streamlit as st

from core.checkpoints import CheckpointError
from core.fashion.data import CLASSES, DataMissingError
from core.gan.explore import arithmetic, latents_npy, move_along_directions, nearest_training_images, to_gif, to_grid
from core.gan.latent import MAX_SEED
from core.gan.sample import ARCHS, available, load_generator, model_label

st.title("GAN latent space")
st.caption("Generators trained on Fashion-MNIST, from the 2014 GAN to a class-conditional GAN. "
           "A seed fixes the latent vectors, so the same seed gives the same images everywhere.")
archs = available()
if not archs:
    st.error("No generator checkpoint is shipped in checkpoints/gan/.")
    st.stop()

if "seed" not in st.session_state:
    st.session_state.seed = 0
c1, c2, c3, c4 = st.columns([2, 2, 1.2, 1])
arch = c1.selectbox("Model", archs, index=archs.index("cgan") if "cgan" in archs else len(archs) - 1,
                    format_func=model_label, key="arch")
try:
    sampler = load_generator(arch)
except (CheckpointError, ValueError) as e:
    st.error(str(e))
    st.stop()
label_name = c2.selectbox("Class", ["All classes", *CLASSES], key="label", disabled=not sampler.conditional)
label = None if label_name == "All classes" or not sampler.conditional else CLASSES.index(label_name)
c4.write("")
if c4.button("🎲 Random"):
    st.session_state.seed = random.randrange(MAX_SEED)
seed = int(c3.number_input("Seed", 0, MAX_SEED, step=1, key="seed"))

samples, interp, arith, dirs = st.tabs(["Samples", "Interpolate", "Arithmetic", "Directions"])
try:
    with samples:
        a, b = st.columns(2)
        n = a.slider("Images", 1, 64, 32, key="n")
        trunc = b.slider("Truncation (lower: more typical, less varied)", 0.1, 1.0, 1.0, 0.05, key="trunc")
        grid = to_grid(sampler.sample(n, seed, label, trunc), nrow=8)
        st.image(grid, caption=f"{ARCHS[arch]}, seed {seed}")
        buf = io.BytesIO()
        grid.save(buf, format="PNG")
        d1, d2 = st.columns(2)
        d1.download_button("Download grid (PNG)", buf.getvalue(), f"samples_{seed}.png", "image/png")
        d2.download_button("Download latent vectors (.npy)", latents_npy(sampler, n, seed, trunc), f"latents_{seed}.npy")
    with interp:
        a, b, c = st.columns(3)
        seed_b = int(a.number_input("Second seed", 0, MAX_SEED, 1, key="seed_b"))
        steps = b.slider("Frames", 2, 32, 10, key="steps")
        mode = c.radio("Path", ["slerp", "lerp"], horizontal=True, key="mode")
        frames = sampler.interpolate(seed, seed_b, steps, mode, label)
        st.image(to_grid(frames, nrow=steps), caption=f"seed {seed} → seed {seed_b} ({mode})")
        st.download_button("Download animated GIF", to_gif(frames), f"interpolation_{seed}_{seed_b}.gif", "image/gif")
    with arith:
        cols = st.columns(3)
        sa, sb, sc = (int(col.number_input(f"Seed {k}", 0, MAX_SEED, v, key=f"arith_{k}"))
                      for col, k, v in zip(cols, "ABC", (0, 1, 2), strict=True))
        st.image(to_grid(arithmetic(sampler, sa, sb, sc, label), nrow=4, scale=4), caption="A | B | C | A − B + C")
    with dirs:
        st.caption("Move the seed's latent along the 5 principal directions (GANSpace); below, the closest "
                   "training images, to check the sample is not memorised.")
        left, right = st.columns([1, 1])
        amounts = [left.slider(f"Direction {i + 1}", -3.0, 3.0, 0.0, 0.25, key=f"dir{i}") for i in range(5)]
        moved = move_along_directions(sampler, seed, amounts, label)
        right.image(to_grid(moved, nrow=1, scale=6), caption="Sample")
        near, dist = nearest_training_images(moved[0])
        st.image(to_grid(near, nrow=5, scale=3),
                 caption="Nearest training images (L2 in pixels): " + ", ".join(f"{d:.2f}" for d in dist))
except (ValueError, DataMissingError) as e:
    st.error(str(e))
