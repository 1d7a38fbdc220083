"""The one training-loop helper shared by every trainer.

`TrainLoop` owns what every trainer needs and none should write again: seeding, device choice,
DistributedDataParallel when started under `torchrun`, sharded index batches (DistributedSampler),
a tqdm progress bar, periodic evaluation, a long-format CSV log, NaN detection and resumable state
saved atomically (a killed run resumes from its last save; a crash never leaves half a file).

Resuming is exact: the data order (`index_batches`) and the per-step random numbers (`step_generator`)
are functions of (seed, rank, step), and the state holds weights, optimizer, schedule position, step,
wall-clock and CPU seconds, so a run stopped and continued ends with the weights of one that never stopped.

A trainer builds its modules and optimizers, hands them over, and calls `run(train_step, evaluate)`;
`train_step(step)` does one optimisation step with `loop.modules[...]` (DDP-wrapped where
distributed) and returns a dict of scalar losses.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.utils._pytree as pytree
from safetensors.torch import load_file
from torch import nn
from torch.utils.data import DistributedSampler
from tqdm import tqdm

from core.checkpoints import atomic_save_tensors

STATE_FILE = "state.safetensors"
#: The state less the optimizer moments (`LoopConfig.weights_file`): small enough to commit at milestones; a run
#: whose full state is missing (another machine) continues from it with fresh optimizers.
WEIGHTS_FILE = "weights.safetensors"
LOG_FILE = "log.csv"


@torch.no_grad()
def ema_update(ema: nn.Module, model: nn.Module, decay: float) -> None:
    """Move `ema`'s weights towards `model`'s: ema = decay * ema + (1 - decay) * model; buffers are copied."""
    for pe, p in zip(ema.parameters(), model.parameters(), strict=True):
        pe.lerp_(p, 1 - decay)
    for be, b in zip(ema.buffers(), model.buffers(), strict=True):
        be.copy_(b)


@torch.no_grad()
def recalibrate_bn(model: nn.Module, images: torch.Tensor, batch: int = 256) -> nn.Module:
    """Recompute `model`'s batch-norm statistics from `images` (torch's `update_bn`, as SWA does): averaged
    weights need statistics of their own, since `ema_update` copies the raw model's, which belong to other
    weights. Returns `model`, in the train/eval mode it had; a model without batch norm is left as it is."""
    device = next(model.parameters()).device
    torch.optim.swa_utils.update_bn((x.to(device) for x in images.split(batch)), model)
    return model


def write_state(path: Path, state: dict[str, Any]) -> None:
    """Save a training state (nested dicts, lists and tuples of tensors and JSON values) atomically, no pickle:
    it is one pytree (torch.utils._pytree); its tensors go into the safetensors file, its other leaves (steps,
    learning rates, betas) and its structure into the file's metadata as JSON."""
    leaves, spec = pytree.tree_flatten(state)
    tensors = {f"leaf{i}": v for i, v in enumerate(leaves) if torch.is_tensor(v)}
    values = [None if torch.is_tensor(v) else v for v in leaves]
    atomic_save_tensors(tensors, path, metadata={"tree": pytree.treespec_dumps(spec), "values": json.dumps(values)})


def read_state(path: Path, device: torch.device | str = "cpu") -> dict[str, Any]:
    """A state saved by `TrainLoop.save_state`: {"models", "optimizers", "schedulers": {name: state_dict},
    "loop": {"step", "wall_time", "cpu_time"}}, tensors on `device`."""
    from safetensors import safe_open

    with safe_open(path, "pt") as f:
        meta = f.metadata()
    tensors = load_file(path, device=str(device))
    leaves = [tensors.get(f"leaf{i}", v) for i, v in enumerate(json.loads(meta["values"]))]
    return pytree.tree_unflatten(leaves, pytree.treespec_loads(meta["tree"]))


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; the run stops instead of training on garbage."""


@dataclass
class LoopConfig:
    steps: int
    run_dir: Path
    seed: int = 0
    eval_every: int = 1000
    save_every: int = 500
    save_seconds: float = 180.0  # also save when this long has passed since the last save
    stop_at_step: int | None = None  # end this sitting (saved) at this step; the run continues later
    stop_after_s: float | None = None  # end this sitting (saved) after this many seconds
    log_every: int = 50
    device: str | None = None  # None: CUDA when available, else CPU
    progress: bool = True
    weights_file: bool = False  # also save WEIGHTS_FILE (no optimizer moments) beside the full state


def world_size() -> int:
    """Processes in this run: torchrun's WORLD_SIZE, 1 when started plainly."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def hardware_description(device: torch.device) -> str:
    """A short human description of where training ran, for checkpoint cards."""
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} (CUDA {torch.version.cuda}), torch {torch.__version__}"
    return f"{platform.processor() or platform.machine()} CPU, {os.cpu_count()} cores, torch {torch.__version__}"


class TrainLoop:
    def __init__(
        self,
        cfg: LoopConfig,
        modules: dict[str, nn.Module],
        optimizers: dict[str, torch.optim.Optimizer],
        schedulers: dict[str, Any] | None = None,
    ):
        self.cfg = cfg
        self.run_dir = Path(cfg.run_dir)
        self.world_size = world_size()
        self.rank = int(os.environ.get("RANK", "0"))
        self.distributed = self.world_size > 1
        self.device = self._choose_device()
        if self.distributed and not dist.is_initialized():
            dist.init_process_group("nccl" if self.device.type == "cuda" else "gloo")
        if self.device.type == "cpu" and self.distributed:
            torch.set_num_threads(max(1, (os.cpu_count() or 1) // self.world_size))
        self.raw = {k: m.to(self.device) for k, m in modules.items()}
        self.optimizers = optimizers
        self.schedulers = schedulers or {}
        self.step = 0
        self.wall_time = 0.0  # seconds of training, summed over resumed runs
        self.cpu_time = 0.0  # CPU seconds of this process (all its threads), summed over resumed runs
        self.last_eval: dict[str, float] = {}
        self.fresh_optimizers = False  # resumed from WEIGHTS_FILE: the optimizers started again at this step
        if self.is_main:
            self.run_dir.mkdir(parents=True, exist_ok=True)
        self._resume()
        self.modules = {k: self._wrap(m) for k, m in self.raw.items()}
        torch.manual_seed(cfg.seed + 1_000_003 * self.rank + self.step)

    # ----------------------------------------------------------------- set-up
    def _choose_device(self) -> torch.device:
        if self.cfg.device:
            return torch.device(self.cfg.device)
        if torch.cuda.is_available():
            return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        return torch.device("cpu")

    def _wrap(self, m: nn.Module) -> nn.Module:
        if not self.distributed or not any(p.requires_grad for p in m.parameters()):
            return m
        ids = [self.device.index] if self.device.type == "cuda" else None
        return nn.parallel.DistributedDataParallel(m, device_ids=ids)

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    # ----------------------------------------------------------------- data
    def index_batches(self, n: int, batch_size: int) -> Iterator[torch.Tensor]:
        """Endless shuffled batches of indices into a dataset of `n` items, sharded across ranks.

        Every rank gets a disjoint `batch_size` slice of each epoch; epochs reshuffle deterministically.
        The sequence starts at the batch of the current step, so a resumed run sees what an unbroken one would.
        """
        sampler = DistributedSampler(
            range(n), num_replicas=self.world_size, rank=self.rank, shuffle=True, seed=self.cfg.seed
        )
        per_epoch = len(sampler) // batch_size
        if per_epoch == 0:
            raise ValueError(f"A batch of {batch_size} is larger than the {len(sampler)} items each process has.")
        epoch, skip = divmod(self.step, per_epoch)
        while True:
            sampler.set_epoch(epoch)
            idx = torch.tensor(list(sampler))
            for i in range(skip * batch_size, per_epoch * batch_size, batch_size):
                yield idx[i : i + batch_size]
            epoch, skip = epoch + 1, 0

    def _step_seed(self, step: int) -> int:
        return ((self.cfg.seed * 1_000_003 + self.rank) * 1_000_000_007 + step) % 2**63

    def step_generator(self, step: int) -> torch.Generator:
        """A CPU generator seeded by (seed, rank, step): the random numbers of one step, the same after a resume.
        (The global generators are seeded the same way before every step.)"""
        return torch.Generator().manual_seed(self._step_seed(step) ^ 0x5A5A5A5A)

    # ----------------------------------------------------------------- loop
    def run(
        self,
        train_step: Callable[[int], dict[str, float]],
        evaluate: Callable[[], dict[str, float]] | None = None,
    ) -> dict[str, float]:
        """Train from the current step to `cfg.steps`, or until this sitting's stop (`stop_at_step`,
        `stop_after_s`; the state is saved and `finished` is False); returns the last evaluation (main rank)."""
        cfg = self.cfg
        started = time.perf_counter()
        if self.is_main:
            self._trim_log()
        bar = tqdm(
            total=cfg.steps, initial=self.step, disable=not (cfg.progress and self.is_main),
            dynamic_ncols=True, desc=self.run_dir.name,
        )
        self._mark()
        while self.step < cfg.steps:
            if self._sitting_over(started):
                self._mark()
                self.save_state()
                break
            torch.manual_seed(self._step_seed(self.step))  # dropout, noise: the same numbers after a resume
            logs = train_step(self.step)
            for sch in self.schedulers.values():
                sch.step()
            self.step += 1
            bad = {k: v for k, v in logs.items() if not torch.isfinite(torch.tensor(float(v)))}
            if bad:
                raise TrainingDiverged(
                    f"Training diverged at step {self.step}: {bad}. The last good state is in "
                    f"{self.run_dir / STATE_FILE}; lower the learning rate or check the data."
                )
            if self.step % cfg.log_every == 0 or self.step == cfg.steps:
                self._log("train", logs)
                bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()})
            bar.update(1)
            if evaluate is not None and (self.step % cfg.eval_every == 0 or self.step == cfg.steps):
                self._evaluate(evaluate)
            due = time.perf_counter() - self._t0 >= cfg.save_seconds
            if self.step % cfg.save_every == 0 or self.step == cfg.steps or self._agree(due):
                self._mark()
                self.save_state()
        bar.close()
        self.check_in_sync()
        return self.last_eval

    @property
    def finished(self) -> bool:
        """Whether the run has trained all its steps."""
        return self.step >= self.cfg.steps

    def _sitting_over(self, started: float) -> bool:
        cfg = self.cfg
        if cfg.stop_at_step is not None and self.step >= cfg.stop_at_step:
            return True
        return self._agree(cfg.stop_after_s is not None and time.perf_counter() - started >= cfg.stop_after_s)

    def _mark(self) -> None:
        """Add the time since the last mark to `wall_time` and `cpu_time`, and start a new segment."""
        now, cpu = time.perf_counter(), time.process_time()
        if hasattr(self, "_t0"):
            self.wall_time += now - self._t0
            self.cpu_time += cpu - self._c0
        self._t0, self._c0 = now, cpu

    def _evaluate(self, evaluate: Callable[[], dict[str, float]]) -> None:
        if self.is_main:
            for m in self.raw.values():
                m.eval()
            with torch.no_grad():
                self.last_eval = evaluate()
            for m in self.raw.values():
                m.train()
            self._mark()  # the log's time columns: cumulative seconds of training up to this evaluation
            self._log("eval", {**self.last_eval, "cpu_s": self.cpu_time, "wall_s": self.wall_time})
            if self.last_eval:
                tqdm.write(f"step {self.step}: " + ", ".join(f"{k}={v:.4f}" for k, v in self.last_eval.items()))
        if self.distributed:
            dist.barrier()

    def _log(self, split: str, values: dict[str, float]) -> None:
        if not self.is_main:
            return
        path = self.run_dir / LOG_FILE
        new = not path.exists()
        with open(path, "a", newline="") as f:
            w = csv.writer(f)
            if new:
                w.writerow(["step", "split", "name", "value"])
            for k, v in values.items():
                w.writerow([self.step, split, k, f"{float(v):.6g}"])

    def _agree(self, flag: bool) -> bool:
        """`flag` of rank 0 on every rank (a time-based save must happen on all ranks at the same step)."""
        if not self.distributed:
            return flag
        t = torch.tensor([float(flag)], device=self.device if self.device.type == "cuda" else "cpu")
        dist.broadcast(t, src=0)
        return bool(t.item())

    def check_in_sync(self) -> None:
        """Under DDP, assert every rank holds the same weights (gradients were really averaged)."""
        if not self.distributed:
            return
        for name, m in self.raw.items():
            flat = torch.cat([p.detach().float().flatten() for p in m.parameters()]).to(self.device)
            ref = flat.clone()
            dist.broadcast(ref, src=0)
            if not torch.allclose(flat, ref, atol=1e-6):
                raise RuntimeError(f"Rank {self.rank}: weights of '{name}' diverged from rank 0.")

    # ----------------------------------------------------------------- state
    def save_state(self) -> None:
        """Atomically write weights, optimizer and scheduler state to `run_dir/state.safetensors` (`write_state`)."""
        if self.is_main:
            state = {
                "models": {n: m.state_dict() for n, m in self.raw.items()},
                "optimizers": {n: o.state_dict() for n, o in self.optimizers.items()},
                "schedulers": {n: s.state_dict() for n, s in self.schedulers.items()},
                "loop": {"step": self.step, "wall_time": self.wall_time, "cpu_time": self.cpu_time},
            }
            write_state(self.run_dir / STATE_FILE, state)
            if self.cfg.weights_file:
                write_state(self.run_dir / WEIGHTS_FILE, {k: v for k, v in state.items() if k != "optimizers"})
        if self.distributed:
            dist.barrier()

    def _resume(self) -> None:
        path = self.run_dir / STATE_FILE
        if not path.is_file() and self.cfg.weights_file and (self.run_dir / WEIGHTS_FILE).is_file():
            path, self.fresh_optimizers = self.run_dir / WEIGHTS_FILE, True
        if not path.is_file():
            return
        state = read_state(path, self.device)
        for name, m in self.raw.items():
            m.load_state_dict(state["models"][name])
        for name, opt in self.optimizers.items() if not self.fresh_optimizers else ():
            opt.load_state_dict(state["optimizers"][name])
        for name, sch in self.schedulers.items():
            sch.load_state_dict(state["schedulers"][name])
            if self.fresh_optimizers:  # the fresh optimizer takes the schedule's current learning rates
                for group, lr in zip(sch.optimizer.param_groups, sch.get_last_lr(), strict=True):
                    group["lr"] = lr
        self.step = int(state["loop"]["step"])
        self.wall_time = float(state["loop"]["wall_time"])
        self.cpu_time = float(state["loop"]["cpu_time"])
        if self.is_main:
            tqdm.write(f"Resumed {self.run_dir} at step {self.step}"
                       + (f" from {WEIGHTS_FILE}: {STATE_FILE} is missing, so the optimizers start afresh." if
                          self.fresh_optimizers else "."))

    def _trim_log(self) -> None:
        """Drop log rows past the resumed step (written after the last save by a run that was then killed)."""
        path = self.run_dir / LOG_FILE
        if not path.is_file():
            return
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
        keep = [r for r in rows[1:] if r and int(r[0]) <= self.step]
        if len(keep) < len(rows) - 1:
            with open(path, "w", newline="") as f:
                csv.writer(f).writerows([rows[0], *keep])

    def close(self) -> None:
        if self.distributed and dist.is_initialized():
            dist.destroy_process_group()
