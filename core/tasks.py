"""One contract for every demo task, stated once: the apps, the export and the tests build from `tasks()`.

A task (upscaling, classification, GAN) is a `Task`: its variants registered once (name -> title, paper,
config), what is shipped, loading by name, the default, a picker label with the measured metrics, and the
text a tab shows. Each task package (`core.sr`, `core.fashion`, `core.gan`) implements it in its `task`
module as `TASK`; the "what the demo shows" functions (`core.sr.compare.compare`, `core.fashion.predict.classify`,
`core.gan.explore.show_samples`, ...) live beside it. Adding a demo: a package with a `task` module, one line
in `TASK_PACKAGES`, a Gradio tab `demos/tabs/<key>.py` and a Streamlit page `demos/st_pages/<key>.py`.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass, field
from typing import Any

from core import checkpoints

#: The demo tasks, in the order the apps show them.
TASK_PACKAGES = ("core.sr", "core.fashion", "core.gan")


@dataclass(frozen=True)
class Paper:
    citation: str  # "Dong, Loy, Tang. Accelerating the Super-Resolution Convolutional Neural Network. ECCV 2016."
    url: str

    def markdown(self) -> str:
        return f"[{self.citation}]({self.url})"


@dataclass(frozen=True)
class Variant:
    """One model of a task, registered once: its picker value, title, paper and constructor arguments."""

    name: str  # the checkpoint name stem and picker value, e.g. "resnet", "cgan", "fsrcnn-s"
    title: str  # "Small ResNet (strong)"
    paper: Paper
    arch: str = ""  # the registered architecture (core.checkpoints.register_model); default: `name`
    config: dict[str, Any] = field(default_factory=dict)  # constructor arguments beyond the defaults

    @property
    def architecture(self) -> str:
        return self.arch or self.name


class Task:
    """The contract every demo task implements (subclasses set the class attributes and `label`)."""

    key: str  # checkpoints/<key>/, demos/tabs/<key>.py, demos/st_pages/<key>.py
    tab: str  # the tab and page title, e.g. "Upscale"
    icon: str  # a Material icon name for the Streamlit navigation
    heading: str  # the tab's heading
    intro: str  # the tab's introduction (Markdown), the same in both apps
    picker: str  # the model picker's label
    model_module: str  # the module whose classes register the architectures
    variants: dict[str, Variant]  # registry, oldest / simplest first

    # ------------------------------------------------------------- what is shipped
    def shipped(self) -> list[str]:
        """Names of the shipped checkpoints (with a card) of this task, sorted."""
        return checkpoints.list_shipped(self.key)

    def available(self) -> list[str]:
        """The variants that can be picked, in registry order."""
        have = set(self.shipped())
        return [v for v in self.variants if v in have]

    def default(self) -> str:
        """The variant a tab opens with."""
        raise NotImplementedError

    def first_loadable(self, preferred: list[str]) -> str | None:
        """The first of `preferred` that loads: a damaged checkpoint is never the default."""
        for name in preferred:
            try:
                self.load(name)
                return name
            except (checkpoints.CheckpointError, ValueError):
                continue
        return None

    def load(self, name: str) -> Any:
        """The loaded model of a variant (cached by the task's loader)."""
        raise NotImplementedError

    def card(self, name: str) -> dict[str, Any]:
        return self.load(name).card

    def title(self, name: str) -> str:
        v = self.variants.get(name)
        return v.title if v else name

    def label(self, name: str) -> str:
        """The picker label: the title with the measured metrics, or '(unavailable: why)'."""
        try:
            metrics = self.card(name).get("metrics", {})
        except (checkpoints.CheckpointError, ValueError):
            return f"{self.title(name)} (unavailable)"
        return " · ".join([self.title(name), *self.metric_labels(metrics)])

    def metric_labels(self, metrics: dict[str, Any]) -> list[str]:
        return []

    def choices(self) -> list[tuple[str, str]]:
        """(label, name) pairs for a model picker: only what is shipped."""
        return [(self.label(n), n) for n in self.available()]

    def card_file(self, name: str, **at: Any) -> str:
        """Where a variant's card lies, relative to the repository."""
        return checkpoints.display_path(checkpoints.card_path(checkpoints.shipped(self.key, name)))

    def card_markdown(self, name: str, **at: Any) -> str:
        """A model's card in a few lines of Markdown: what it is, what was measured, how it was trained and
        evaluated, and where the full card lies. The same text in both apps. `at`: e.g. `scale=` for SR."""
        try:
            card = self.card(name, **at)
        except (checkpoints.CheckpointError, ValueError) as e:
            return f"**{self.title(name)}**: unavailable ({e})"
        training, evaluation = card.get("training", {}), card.get("evaluation", {})
        v = self.variants.get(name)
        lines = [f"**{card.get('title', self.title(name))}** · {card.get('parameters', 0):,} parameters"
                 + (f" · paper: {v.paper.markdown()}" if v else "")]
        measured = self.metric_labels(card.get("metrics", {}))
        if measured:
            lines.append("- Measured: " + " · ".join(measured))
        for what, text in (card.get("data") or {}).items():
            lines.append(f"- Data ({what}): {text}")
        if training.get("command"):
            took = f"{training['wall_time_s'] / 60:.0f} min" if training.get("wall_time_s") else ""
            where = ", ".join(x for x in (f"{training['steps']:,} steps" if training.get("steps") else "", took,
                                          training.get("hardware", "")) if x)
            lines.append(f"- Trained: `{training['command']}`" + (f" ({where})" if where else ""))
        if training.get("init") and training["init"] != checkpoints.PAPER_INIT:  # e.g. x2 from the x3 trunk
            lines.append(f"- Started from: {training['init']}")
        if evaluation.get("command"):
            lines.append(f"- Evaluated: `{evaluation['command']}`")
        lines.append(f"- Full card: `{self.card_file(name, **at)}` (sha256 of the weights "
                     f"`{str(card.get('sha256', '?'))[:16]}…`)")
        return "\n".join(lines)

    def papers_line(self) -> str:
        """'Papers: [citation](url) · ...' (Markdown), as both apps show it under the introduction."""
        return "Papers: " + " · ".join(p.markdown() for p in self.papers())

    def nothing_shipped(self) -> str:
        return f"No {self.tab} checkpoint is shipped in `checkpoints/{self.key}/`."

    def papers(self) -> list[Paper]:
        """The papers behind this task's variants, each once, in registry order."""
        return list(dict.fromkeys(v.paper for v in self.variants.values()))


def task(key: str) -> Task:
    """The task with this key ("sr", "fashion", "gan")."""
    for t in tasks():
        if t.key == key:
            return t
    raise KeyError(f"No task '{key}'. Tasks: {', '.join(t.key for t in tasks())}.")


@functools.cache
def tasks() -> tuple[Task, ...]:
    """Every demo task, in the order the apps show them."""
    return tuple(importlib.import_module(f"{p}.task").TASK for p in TASK_PACKAGES)


def suite_intro() -> str:
    """The suite's one-paragraph introduction, built from the tasks (both apps show it)."""
    parts = ", ".join(f"**{t.tab}** ({t.heading})" for t in tasks())
    return (f"Classic deep-learning papers, trained by us on real data and running live on the CPU: {parts}. "
            "Every number shown was measured by a command in the repository; see the model cards in `checkpoints/`.")


def about() -> str:
    """The About section (Markdown): where the numbers come from, and every paper behind the suite, by task."""
    lines = ["### About", "Every model here was trained by this project's `train/` commands; each checkpoint's card "
             "(`checkpoints/<task>/<name>.json`) records the command, data, steps, hardware and measured metrics.", ""]
    for t in tasks():
        lines += [f"**{t.tab}**: " + " · ".join(p.markdown() for p in t.papers()), ""]
    return "\n".join(lines)
