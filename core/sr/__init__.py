"""Super-resolution: FSRCNN (Dong et al. 2016) and the upscaling API the demos call."""

from core.sr.model import FSRCNN
from core.sr.upscale import ARCHS, SCALES, Upscaler, available, bicubic, load_upscaler

__all__ = ["ARCHS", "FSRCNN", "SCALES", "Upscaler", "available", "bicubic", "load_upscaler"]
