"""One contract for every demo task, stated once: the apps, the export and the tests build from `tasks()`.

The contract's unit is one shipped checkpoint, an `Entry`: its name (the file stem, what a picker passes), its
variant (title, paper, architecture, config), its card read without the weights, and its facets (what a picker
filters on, e.g. `{"scale": 2}`). A task (`core/<key>/task.py`, a `Task` named `TASK`) supplies only its
variants, its texts, how to open a checkpoint (`open`), its facets, its metric labels and its ranking; listing,
labels, the default, loading (one cache keyed by sha256) and the card text are implemented once, here.

Adding a demo: a package `core/<key>/` with a `task` module, a Gradio tab `demos/tabs/<key>.py`, a Streamlit page
`demos/st_pages/<key>.py` and a trainer `train/<key>.py`; `tasks()` finds the package by itself.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import core
from core import checkpoints
from core.imaging import ImageInputError

#: Errors a visitor can act on: the apps show them as a message, never as a traceback.
USER_ERRORS = (ImageInputError, checkpoints.CheckpointError, ValueError)


@dataclass(frozen=True)
class Paper:
    citation: str  # "Dong, Loy, Tang. Accelerating the Super-Resolution Convolutional Neural Network. ECCV 2016."
    url: str

    def markdown(self) -> str:
        return f"[{self.citation}]({self.url})"


@dataclass(frozen=True)
class Variant:
    """One model of a task, registered once: its name, title, paper, architecture and constructor arguments."""

    name: str  # "resnet", "cgan", "fsrcnn-s": what a card's `variant` says
    title: str  # "Small ResNet (strong)"
    paper: Paper
    arch: str = ""  # the registered architecture (core.registry); default: `name`
    config: dict[str, Any] = field(default_factory=dict)  # constructor arguments beyond the defaults

    @property
    def architecture(self) -> str:
        return self.arch or self.name


@dataclass(frozen=True)
class Entry:
    """One shipped checkpoint, as a picker lists it: read from its card alone (the weights load on first use)."""

    name: str  # the file stem and the picker's value, e.g. "fsrcnn_x2", "resnet"
    path: Path  # the weights
    variant: Variant | None  # None where the card names no registered variant
    card: dict[str, Any] | None  # None where the card is damaged (`problem` says why)
    facets: dict[str, Any] = field(default_factory=dict)
    problem: str = ""

    @property
    def title(self) -> str:
        if self.card and self.card.get("title"):
            return self.card["title"]
        return self.variant.title if self.variant else self.name

    @property
    def metrics(self) -> dict[str, Any]:
        return (self.card or {}).get("metrics", {})


class Task:
    """The contract every demo task implements: subclasses set the class attributes and `open`."""

    key: str  # checkpoints/<key>/, demos/tabs/<key>.py, demos/st_pages/<key>.py
    order: int  # where the apps show it, smallest first
    tab: str  # the tab and page title, e.g. "Upscale"
    icon: str  # a Material icon name for the Streamlit navigation
    heading: str  # the tab's heading
    intro: str  # the tab's introduction (Markdown), the same in both apps
    picker: str  # the model picker's label
    what: str  # what one model is called in messages: "upscaler", "classifier", "generator"
    variants: dict[str, Variant]  # registry, oldest / simplest first
    glossary: dict[str, str] = {}  # the numbers the task shows -> one sentence each: what it means, what measured it

    # ------------------------------------------------------------- what a task supplies
    def open(self, path: Path) -> Any:
        """The loaded model of the checkpoint at `path` (an Upscaler, Classifier, Sampler): uncached."""
        raise NotImplementedError

    def facets(self, card: dict[str, Any]) -> dict[str, Any]:
        """What a picker filters this checkpoint by, from its card (e.g. `{"scale": 2}`)."""
        return {}

    def metric_labels(self, metrics: dict[str, Any]) -> list[str]:
        """The measured metrics a picker label shows, e.g. `["95.2 %"]`."""
        return []

    def entry_labels(self, entry: Entry) -> list[str]:
        """What a picker label and a card's "Measured" line show for `entry`: its `metric_labels` (a task whose cards
        hold measurements outside `metrics` adds them here)."""
        return self.metric_labels(entry.metrics)

    def rank(self, entry: Entry) -> Any:
        """Sort key of the default's ranking (smallest first); by default the variants' registry order."""
        return self._variant_order(entry)

    # ------------------------------------------------------------- what is shipped
    def entries(self, **facets: Any) -> list[Entry]:
        """The shipped checkpoints (those with a card) whose facets include `facets`, in registry order."""
        folder = checkpoints.CHECKPOINT_DIR / self.key
        found = [self._entry(p.with_suffix(".safetensors")) for p in folder.glob("*.json")] if folder.is_dir() else []
        found.sort(key=lambda e: (self._variant_order(e), sorted(e.facets.items()), e.name))
        return [e for e in found if all(e.facets.get(k) == v for k, v in facets.items())]

    def entry(self, name: str) -> Entry:
        """The shipped checkpoint `name`; ValueError listing the choices when there is none."""
        path = checkpoints.shipped(self.key, name)
        if "/" in name or not checkpoints.card_path(path).is_file():
            choices = ", ".join(e.name for e in self.entries()) or "none"
            raise ValueError(f"Unknown {self.what} '{name}'. Shipped: {choices}.")
        return self._entry(path)

    def names(self, **facets: Any) -> list[str]:
        return [e.name for e in self.entries(**facets)]

    def default(self, **facets: Any) -> str | None:
        """The first by the task's ranking whose weights verify (a damaged file is never the default); the first
        entry when none does; None when nothing is shipped."""
        ranked = sorted((e for e in self.entries(**facets) if e.card), key=self.rank)
        for e in ranked:
            try:
                checkpoints.verify(e.path, self.key)
                return e.name
            except checkpoints.CheckpointError:
                continue
        have = self.names(**facets)
        return have[0] if have else None

    def counterpart(self, name: str | None, **facets: Any) -> str | None:
        """The checkpoint of `name`'s variant that has `facets` (e.g. the same model at another scale), else the
        default there."""
        variant = self._variant_name(name)
        same = [e.name for e in self.entries(**facets) if e.variant and e.variant.name == variant]
        return same[0] if same else self.default(**facets)

    def load(self, name: str) -> Any:
        """The loaded model of a shipped name, a `.safetensors` path or a Hub id `owner/repo[/name]`: verified
        against its card, opened once and cached by sha256. Raises CheckpointError or ValueError (naming the
        file or the choices)."""
        if "/" in name or name.endswith(".safetensors"):
            path = checkpoints.resolve(name, self.default() or name)
        else:
            path = self.entry(name).path
        card = checkpoints.verify(path, self.key)
        return _opened(self, card["sha256"], Path(path).resolve())

    # ------------------------------------------------------------- what a picker and a card panel show
    def title(self, name: str) -> str:
        try:
            return self.entry(name).title
        except ValueError:
            v = self.variants.get(name)
            return v.title if v else name

    def label(self, name: str) -> str:
        """The picker label: the title with the measured metrics, or '(unavailable)' when the checkpoint does not
        verify (a damaged card or weights)."""
        e = self.entry(name)
        try:
            checkpoints.verify(e.path, self.key)
        except checkpoints.CheckpointError:
            return f"{e.title} (unavailable)"
        return " · ".join([e.title, *self.entry_labels(e)])

    def choices(self, **facets: Any) -> list[tuple[str, str]]:
        """(label, name) pairs for a model picker: only what is shipped (with `facets`)."""
        return [(self.label(e.name), e.name) for e in self.entries(**facets)]

    def card_markdown(self, name: str) -> str:
        """A model's card for a visitor, in a few lines of Markdown: what it is, what it scored, what it was trained
        on and for how long. The same text in both apps; the commands, paths and hashes stay in the JSON card
        (and README), where a developer looks for them."""
        e = self.entry(name)
        if e.card is None:
            return f"**{e.title}**: unavailable ({e.problem})"
        card, v = e.card, e.variant
        training = card.get("training", {})
        lines = [f"**{e.title}** · {card.get('parameters', 0):,} parameters"
                 + (f" · paper: {v.paper.markdown()}" if v else "")]
        if measured := self.entry_labels(e):
            lines.append("- Measured: " + " · ".join(measured))
        for what, text in (card.get("data") or {}).items():
            lines.append(f"- Data ({what}): {text}")
        took = duration(training["wall_time_s"]) if training.get("wall_time_s") else ""
        on = "a CPU" if "CPU" in training.get("hardware", "CPU") else "a GPU"
        if training.get("steps"):
            lines.append(f"- Trained: {training['steps']:,} steps" + (f" in {took} on {on}" if took else ""))
        if training.get("init") and training["init"] != checkpoints.PAPER_INIT:  # e.g. x2 from the x3 trunk
            lines.append("- Started from another trained model (the paper's transfer), not from random weights")
        return "\n".join(lines)

    def papers(self) -> list[Paper]:
        """The papers behind this task's variants, each once, in registry order."""
        return list(dict.fromkeys(v.paper for v in self.variants.values()))

    def examples(self) -> list[tuple]:
        """The examples the demos offer, as the task defines them (none by default)."""
        return []

    def examples_key(self, *names: str) -> str:
        """A short digest of what the examples' answers depend on: the task's `examples()` and the sha256 of the
        checkpoints `names` that answer them, read from their cards (a damaged checkpoint must not stop the app).
        A cache of example answers keyed by it is never served after a checkpoint is retrained."""
        h = hashlib.sha256(repr(self.examples()).encode())
        for name in names:
            h.update(str((self.entry(name).card or {}).get("sha256", "unavailable")).encode())
        return h.hexdigest()[:12]

    def glossary_markdown(self) -> str:
        """The task's `glossary` (term -> one sentence: what the number means and what measured it) as Markdown."""
        return "\n".join(f"- **{term}**: {text}" for term, text in self.glossary.items())

    def papers_line(self) -> str:
        """'Papers: [citation](url) · ...' (Markdown), as both apps show it under the introduction."""
        return "Papers: " + " · ".join(p.markdown() for p in self.papers())

    def nothing_shipped(self) -> str:
        return f"No {self.tab} checkpoint is shipped in `checkpoints/{self.key}/`."

    # ------------------------------------------------------------- reading a card
    def _entry(self, path: Path) -> Entry:
        try:
            card = checkpoints.read_card(path)
        except checkpoints.CheckpointError as e:
            return Entry(path.stem, path, self.variants.get(path.stem), None, problem=str(e))
        variant = self.variants.get(card.get("variant", ""))
        return Entry(path.stem, path, variant, card, self.facets(card))

    def _variant_name(self, name: str | None) -> str | None:
        try:
            e = self.entry(name) if name else None
        except ValueError:
            return None
        return e.variant.name if e and e.variant else None

    def _variant_order(self, entry: Entry) -> int:
        names = list(self.variants)
        return names.index(entry.variant.name) if entry.variant else len(names)


@functools.lru_cache(maxsize=32)
def _opened(task: Task, sha256: str, path: Path) -> Any:
    """The one cache of loaded models: a checkpoint is opened once per content (sha256) and file."""
    return task.open(path)


def clear_caches() -> None:
    """Forget every loaded model (for tests that change the checkpoint folder)."""
    _opened.cache_clear()


@functools.cache
def tasks() -> tuple[Task, ...]:
    """Every demo task, in the order the apps show them: each package `core/<key>/` with a `task` module."""
    found = [importlib.import_module(f"core.{m.name}.task").TASK for m in pkgutil.iter_modules(core.__path__)
             if m.ispkg and importlib.util.find_spec(f"core.{m.name}.task") is not None]
    return tuple(sorted(found, key=lambda t: t.order))


def task(key: str) -> Task:
    """The task with this key ("sr", "fashion", "gan")."""
    for t in tasks():
        if t.key == key:
            return t
    raise KeyError(f"No task '{key}'. Tasks: {', '.join(t.key for t in tasks())}.")


def duration(seconds: float) -> str:
    """How long a training took, in words: '25 min', '3.7 h' (cards, Hub model cards)."""
    return f"{seconds / 3600:.1f} h" if seconds >= 5400 else f"{seconds / 60:.0f} min"


def suite_intro() -> str:
    """The suite's one-paragraph introduction, built from the tasks (both apps show it)."""
    parts = ", ".join(f"**{t.tab}** ({t.heading})" for t in tasks())
    return (f"Classic deep-learning papers, trained by us on real data and running live on the CPU: {parts}. "
            "Every number shown was measured on held-out data; each model's card (under its picker) says how it was "
            "trained.")


def about() -> str:
    """The About section (Markdown): where the numbers come from, and every paper behind the suite, by task."""
    lines = ["### About", "Every model here was trained by this project on real data; each model's card says what it "
             "was trained on, for how long, and what it scored on held-out data.", ""]
    for t in tasks():
        lines += [f"**{t.tab}**: " + " · ".join(p.markdown() for p in t.papers()), ""]
    lines += ["### What the numbers mean", ""] + [t.glossary_markdown() for t in tasks() if t.glossary]
    return "\n".join(lines)
