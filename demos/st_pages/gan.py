"""Streamlit page: explore the latent space of GANs trained on Fashion-MNIST."""

import streamlit as st
import torch

from core.checkpoints import CheckpointError
from core.fashion.predict import to_fashion_mnist
from core.fashion.task import SKETCH_SIZE, SKETCH_STROKE
from core.gan import explore
from core.gan.latent import MAX_SEED, random_seed
from core.gan.project import describe, project, projection_figure
from core.gan.render import interpolation_grid, to_gif, to_grid
from core.gan.sample import DIRECTIONS
from core.gan.task import ALL_CLASSES, FRAMES, SAMPLES, SECOND_SEED, TASK, TRUNCATION
from core.gan.timeline import frame_caption, grid_image
from core.imaging import ImageInputError, open_image, png_bytes
from core.plots import figure_png
from demos.components.page import page_header
from demos.components.sketchpad import sketchpad

archs = page_header(TASK)

if "seed" not in st.session_state:
    st.session_state.seed = 0
c1, c2, c3, c4 = st.columns([2.6, 2, 1.2, 1])
# A radio, not a select box: the full labels (title and measured FIDs) wrap instead of being cut off.
arch = c1.radio(TASK.picker, archs, index=archs.index(TASK.default()), format_func=TASK.label, key="arch")
try:
    sampler = TASK.load(arch)
except (CheckpointError, ValueError) as e:
    st.error(str(e))
    st.stop()
# An unconditional model draws every class: the control says so, not "Sneaker"; a conditional one gets back the
# visitor's own last pick (kept in `wanted_label`, which only their picks change).
st.session_state.setdefault("wanted_label", ALL_CLASSES)
st.session_state.label = st.session_state.wanted_label if sampler.conditional else ALL_CLASSES
label_name = c2.selectbox("Class", TASK.class_choices(), key="label", disabled=not sampler.conditional,
                          help=TASK.class_note(arch),
                          on_change=lambda: st.session_state.update(wanted_label=st.session_state.label))
if not sampler.conditional:
    c2.caption(TASK.class_note(arch))
label = TASK.class_index(label_name) if sampler.conditional else None
c4.write("")
if c4.button("Random seed"):
    st.session_state.seed = random_seed()
seed = int(c3.number_input("Seed", 0, MAX_SEED, step=1, key="seed"))
with st.expander("Model card"):
    st.markdown(TASK.card_markdown(arch))
with st.expander("What the numbers mean"):
    st.markdown(TASK.glossary_markdown())

samples, interp, arith, dirs, proj, learn = st.tabs(["Samples", "Interpolate", "Arithmetic", "Directions", "Project",
                                                     "Watch it learn"])
# The latest projection (see the Project tab), kept with the model that made it: {"arch", "projection"}.
projected = st.session_state.get("projected")
projected = projected["projection"] if projected and projected["arch"] == arch else None
try:
    with samples:
        a, b = st.columns(2)
        n = a.slider("Images", int(SAMPLES.low), int(SAMPLES.high), int(SAMPLES.default), key="n")
        trunc = b.slider("Truncation (lower: more typical, less varied)", TRUNCATION.low, TRUNCATION.high,
                         TRUNCATION.default, TRUNCATION.step, key="trunc")
        grid = to_grid(sampler.sample(n, seed, label, trunc), nrow=8)
        st.image(grid, caption=TASK.sample_caption(arch, seed, label_name, n, trunc))
        d1, d2 = st.columns(2)  # both files are made when their button is pressed
        d1.download_button("Download grid (PNG)", lambda: png_bytes(grid), f"samples_{seed}.png", "image/png",
                           on_click="ignore")
        d2.download_button("Download latent vectors (.npy)", lambda: explore.latents_npy(sampler, n, seed, trunc),
                           f"latents_{seed}.npy", on_click="ignore")
    with interp:
        a, b, c = st.columns(3)
        seed_b = int(a.number_input("Second seed", 0, MAX_SEED, SECOND_SEED, key="seed_b"))
        steps = b.slider("Frames", int(FRAMES.low), int(FRAMES.high), int(FRAMES.default), key="steps")
        mode = c.radio("Path", ["slerp", "lerp"], horizontal=True, key="mode")
        frames = sampler.interpolate(seed, seed_b, steps, mode, label)
        gif = to_gif(frames)
        left, right = st.columns([3, 1])
        left.image(interpolation_grid(frames), caption=f"seed {seed} → seed {seed_b} ({mode}), left to right, then down")
        right.image(gif, caption="Animation (there and back, looping)")
        right.download_button("Download animated GIF", gif, f"interpolation_{seed}_{seed_b}.gif", "image/gif")
    with arith:
        cols = st.columns(3)
        sa, sb, sc = (int(col.number_input(f"Seed {k}", 0, MAX_SEED, v, key=f"arith_{k}"))
                      for col, k, v in zip(cols, "ABC", (0, 1, 2), strict=True))
        images = explore.arithmetic(sampler, sa, sb, sc, label)
        for col, k, caption in zip(st.columns(4), range(4), explore.arithmetic_captions(sa, sb, sc), strict=True):
            col.image(to_grid(images[k : k + 1], nrow=1, scale=4), caption=caption)
    with dirs:
        st.caption(f"Move the seed's latent along the {DIRECTIONS} principal directions (GANSpace); each slider "
                   f"reaches ±{explore.DIRECTION_SPREAD:g} standard deviations of the latents along its direction. Below, the closest training images, "
                   "to check the sample is not memorised.")
        from_projection = projected is not None and st.toggle(
            "Start from my projected image (Project tab)", key="dir_from_projection",
            help="Move the latent found for your drawing or photo instead of the seed's.")
        # The sample first: on a phone the columns stack, and it must show above the sliders.
        left, right = st.columns([1, 1])
        # Keyed by model: each model's sliders have their own range.
        amounts = [right.slider(f"Direction {i + 1}", -r, r, 0.0, explore.DIRECTION_STEP, key=f"dir{i}_{arch}")
                   for i, r in enumerate(TASK.direction_reach(arch))]
        if from_projection:
            y = None if projected.label is None else torch.tensor([projected.label])
            moved = explore.move_latent(sampler, projected.z[None], amounts, y)
        else:
            moved = explore.move_along_directions(sampler, seed, amounts, label)
        left.image(to_grid(moved, nrow=1, scale=6),
                   caption="Your projected image, moved" if from_projection else "Sample, moved")
        near, dist = explore.nearest_training_images(moved[0])
        strips = explore.direction_strips(sampler, TASK.direction_reach(arch), seed, label)
        st.image(to_grid(strips, nrow=explore.STRIP_STEPS, scale=2),
                 caption=f"What each direction does: each row walks one direction from -{explore.DIRECTION_SPREAD:g}σ "
                 f"to +{explore.DIRECTION_SPREAD:g}σ for the seed and the next {explore.STRIP_SEEDS - 1} "
                 f"({explore.STRIP_SEEDS} rows a direction, direction 1 at the top)")
        st.image(to_grid(near, nrow=5, scale=3),
                 caption=f"Nearest training images, searched among {explore.training_images().what} (L2 in pixels): "
                 + ", ".join(f"{d:.2f}" for d in dist))
    with proj:
        st.caption("Find the latent vector (and, for the conditional model, the class) whose image is closest to "
                   "your drawing or photo: the generator's best attempt at it, beside the closest real training "
                   "image. A few seconds on the CPU.")
        source = st.radio("Input", ["Draw", "Photo"], horizontal=True, key="project_source")
        if source == "Draw":
            image = sketchpad("project_sketch", SKETCH_SIZE, SKETCH_STROKE)
        else:
            image = st.file_uploader("Photo of a garment", type=["png", "jpg", "jpeg", "webp", "bmp"], key="project_photo")
        if st.button("Project", type="primary", key="project_go"):
            if image is None:
                st.warning("Draw a garment or upload a photo first.")
            else:
                bar = st.progress(0.0, "Making the 28x28 view")
                try:
                    found = project(sampler, to_fashion_mnist(open_image(image)),
                                    progress=lambda f, text: bar.progress(f, text))
                except (ImageInputError, ValueError) as e:
                    st.warning(str(e))
                else:
                    st.session_state.projected = {"arch": arch, "projection": found}
                    st.rerun()  # the Directions tab, drawn before this one, offers to start from it
        if projected is not None:
            st.image(projection_figure(projected),
                     caption="Input view | best match | nearest training image (L2 distances to the input)")
            st.markdown(describe(projected, TASK.title(arch)))
            st.download_button("Download its latent vector (.npy)", projected.latent_npy(), projected.latent_file(arch),
                               on_click="ignore")
            st.caption("Directions tab: “Start from my projected image” moves it along the principal directions.")
    with learn:
        st.caption(TASK.timeline_note(arch))
        timeline = TASK.timeline(arch)
        if timeline is not None:
            left, right = st.columns([3, 2])
            # Frames counted from 1, as the caption counts them.
            i = left.slider("Point of training (frame)", 1, len(timeline), len(timeline), key=f"timeline_{arch}") - 1
            left.image(grid_image(timeline, i), caption=frame_caption(timeline, i))
            right.image(timeline.gif(), caption="The whole timeline, looping")
        st.caption(TASK.curves_note(arch))
        figure = TASK.curves_figure(arch)
        if figure is not None:
            st.image(figure_png(figure), caption="Training curves (from the training log)")
except ValueError as e:
    st.error(str(e))
