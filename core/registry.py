"""Architectures by name: `register_model("fsrcnn")` on a model class, `build_model("fsrcnn", **config)` from a card.

A leaf, like timm's `_registry`: it imports no model. Each model module registers its classes when it is
imported, so whoever builds a model from a card has imported the module that defines it (the inference modules
of each task do).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from torch import nn

_REGISTRY: dict[str, type[nn.Module]] = {}


class UnknownArchitecture(KeyError):
    """No model class is registered under this name."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


def register_model(arch: str) -> Callable[[type[nn.Module]], type[nn.Module]]:
    """Class decorator: make `arch` buildable from a card (`build_model(arch, **config)`), and have every instance
    record the arguments it was built with, defaults filled in, as `model.init_config` (in the spirit of
    diffusers' `register_to_config`): the card's `config` is taken from the model, never written by hand."""

    def wrap(ctor: type[nn.Module]) -> type[nn.Module]:
        init = ctor.__init__
        signature = inspect.signature(init)

        @functools.wraps(init)
        def recording_init(self, *args: Any, **kwargs: Any) -> None:
            bound = signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            init(self, *args, **kwargs)
            self.init_config = {k: list(v) if isinstance(v, tuple) else v
                                for k, v in bound.arguments.items() if k != "self"}

        ctor.__init__ = recording_init
        _REGISTRY[arch] = ctor
        return ctor

    return wrap


def registered() -> dict[str, type[nn.Module]]:
    """Name -> class of every architecture registered so far (a copy)."""
    return dict(_REGISTRY)


def build_model(arch: str, **config: Any) -> nn.Module:
    """Construct a registered architecture with a card's arguments; `UnknownArchitecture` names the known ones."""
    if arch not in _REGISTRY:
        raise UnknownArchitecture(f"Unknown architecture '{arch}'. Known: {', '.join(sorted(_REGISTRY)) or 'none'} "
                                  "(a model module registers its classes when it is imported).")
    return _REGISTRY[arch](**config)
