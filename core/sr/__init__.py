"""Super-resolution: FSRCNN (Dong et al. 2016), the upscaling API (`core.sr.upscale`), what the demos show
(`core.sr.compare`) and the task contract (`core.sr.task`, with the `load_upscaler` shortcut)."""
