"""Super-resolution: FSRCNN (Dong et al. 2016) and the upscaling API the demos call."""

from core.sr.model import FSRCNN
from core.sr.task import SCALES, TASK
from core.sr.upscale import Upscaler, bicubic, load_upscaler

__all__ = ["FSRCNN", "SCALES", "TASK", "Upscaler", "bicubic", "load_upscaler"]
