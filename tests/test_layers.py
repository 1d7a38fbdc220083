"""core/ imports run one way (../shared/DESIGN.md, README "Layout"): a layering rule as a test, on the source.

registry -> models -> checkpoints -> imaging, data, ... -> inference -> the contract (core/tasks.py, core/*/task.py)
-> demos/, train/, bench/. Every check reads the real files with `ast` (nothing is imported) and names file:line.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Each core module's layer: a module imports only modules of lower layers (or of its own, without a cycle).
LAYERS = {
    "core/registry.py": 0,
    "core/sr/model.py": 1, "core/fashion/models.py": 1, "core/gan/models.py": 1,
    "core/checkpoints.py": 2,
    "core/imaging.py": 3, "core/metrics.py": 3, "core/plots.py": 3, "core/training.py": 3, "core/examples.py": 3,
    "core/sr/data.py": 3, "core/fashion/data.py": 3, "core/fashion/photos.py": 3, "core/gan/latent.py": 3, "core/gan/augment.py": 3,
    "core/gan/curves.py": 3,
    "core/sr/upscale.py": 4, "core/sr/compare.py": 4, "core/sr/evaluate.py": 4, "core/sr/inside.py": 4,
    "core/fashion/predict.py": 4, "core/fashion/evaluate.py": 4, "core/fashion/inside.py": 4,
    "core/gan/render.py": 4, "core/gan/sample.py": 4, "core/gan/explore.py": 4, "core/gan/timeline.py": 4,
    "core/gan/evaluate.py": 4, "core/gan/project.py": 4,
    "core/tasks.py": 5, "core/sr/task.py": 5, "core/fashion/task.py": 5, "core/gan/task.py": 5,
}
#: Package markers: they re-export nothing, so they import nothing of core.
PACKAGE_INITS = {"core/__init__.py", "core/sr/__init__.py", "core/fashion/__init__.py", "core/gan/__init__.py"}
#: What core must never import: the apps, the trainers, the benches and the UI libraries.
FORBIDDEN = ("demos", "train", "bench", "gradio", "streamlit")


def module_name(rel: str) -> str:
    """'core/sr/model.py' -> 'core.sr.model'; 'core/sr/__init__.py' -> 'core.sr'."""
    parts = rel.removesuffix(".py").split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_file(name: str, root: Path = ROOT) -> str | None:
    """'core.sr.model' -> 'core/sr/model.py' (a package -> its __init__.py); None outside core."""
    if name != "core" and not name.startswith("core."):
        return None
    path = root / Path(*name.split("."))
    return (path / "__init__.py" if path.is_dir() else path.with_suffix(".py")).relative_to(root).as_posix()


def imports(source: str, module: str = "", root: Path = ROOT) -> list[tuple[str, int, bool]]:
    """(imported module, line, inside a function or class) for every import statement of `source`, the source of
    `module` (which resolves relative imports). `from core import checkpoints` imports core.checkpoints, `from
    core.x import name` imports core.x."""
    found: list[tuple[str, int, bool]] = []
    own = module_file(module, root) if module else None
    package = module if own and own.endswith("__init__.py") else module.rpartition(".")[0]

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            if isinstance(child, ast.Import):
                found.extend((a.name, child.lineno, nested) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:  # relative: from the file's package, `level - 1` packages up
                    anchor = package.split(".")[: len(package.split(".")) - (child.level - 1)] if package else []
                    base = ".".join([*anchor, *([child.module] if child.module else [])])
                for a in child.names:
                    sub = f"{base}.{a.name}" if base else a.name
                    is_module = module_file(sub, root) and (root / module_file(sub, root)).is_file()
                    found.append((sub if is_module else base, child.lineno, nested))
            visit(child, inner)

    visit(ast.parse(source), False)
    return found


def core_files(root: Path = ROOT) -> list[Path]:
    return sorted((root / "core").rglob("*.py"))


def all_imports(root: Path = ROOT) -> dict[str, list[tuple[str, int, bool]]]:
    """core file (relative path) -> its import statements."""
    out = {}
    for p in core_files(root):
        rel = p.relative_to(root).as_posix()
        out[rel] = imports(p.read_text(), module_name(rel), root)
    return out


def graph(root: Path = ROOT) -> dict[str, set[str]]:
    """core file -> the core files it imports (module level or not)."""
    return {f: {t for m, _, _ in found if (t := module_file(m, root))} for f, found in all_imports(root).items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a list of nodes (first == last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(edges.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state and (c := dfs(m)):
                return c
        state[n] = 2
        stack.pop()
        return None

    for n in sorted(edges):
        if n not in state and (c := dfs(n)):
            return c
    return None


def hidden_imports(root: Path = ROOT) -> list[str]:
    """'file:line imports core.x' for every import of core inside a def or class body."""
    return [f"{f}:{line} imports {m}" for f, found in all_imports(root).items()
            for m, line, nested in found if nested and module_file(m, root)]


def upward_imports(root: Path = ROOT) -> list[str]:
    """'file:line (layer a) imports file (layer b)' for every import of a higher layer."""
    return [f"{f}:{line} (layer {LAYERS[f]}) imports {t} (layer {LAYERS[t]})" for f, found in all_imports(root).items()
            if f in LAYERS for m, line, _ in found if (t := module_file(m, root)) in LAYERS and LAYERS[t] > LAYERS[f]]


def forbidden_imports(root: Path = ROOT) -> list[str]:
    return [f"{f}:{line} imports {m}" for f, found in all_imports(root).items()
            for m, line, _ in found if m.split(".")[0] in FORBIDDEN]


def task_modules_named_by_tasks(root: Path = ROOT) -> list[str]:
    """'core/tasks.py:line imports core.x.task' for every import statement of a task module in core/tasks.py."""
    return [f"core/tasks.py:{line} imports {m}" for m, line, _ in all_imports(root)["core/tasks.py"]
            if (module_file(m, root) or "").endswith("/task.py")]


# ----------------------------------------------------------------------------------------------- the rules
def test_every_core_module_has_a_layer_and_the_table_names_only_real_modules():
    unplaced = [f for f in graph() if f not in LAYERS and f not in PACKAGE_INITS]
    assert not unplaced, f"new core modules: place each in tests/test_layers.py LAYERS (0-5): {unplaced}"
    stale = [f for f in LAYERS if not (ROOT / f).is_file()]
    assert not stale, f"tests/test_layers.py LAYERS names modules that are gone: {stale}"


def test_core_imports_run_down_the_layers_and_form_no_cycle():
    back = upward_imports()
    assert not back, "imports up the layers (a module may import only lower layers, or its own):\n" + "\n".join(back)
    edges = graph()
    inits = [f"{a} imports {sorted(bs)}" for a, bs in edges.items() if a in PACKAGE_INITS and bs]
    assert not inits, "package __init__ files re-export nothing (import from the module):\n" + "\n".join(inits)
    cycle = find_cycle(edges)
    assert cycle is None, f"import cycle among core modules: {' -> '.join(cycle or [])}"


def test_no_core_import_hides_inside_a_function():
    hidden = hidden_imports()
    assert not hidden, ("function-local core imports (a cycle dodged, or a layer out of place): import at the top "
                        "of the module:\n" + "\n".join(hidden))


def test_core_imports_no_app_trainer_or_ui_library():
    bad = forbidden_imports()
    assert not bad, f"core must not import {', '.join(FORBIDDEN)}:\n" + "\n".join(bad)


def test_tasks_finds_the_tasks_itself():
    """core.tasks discovers core/<key>/task.py (pkgutil): an import statement of one would be a cycle waiting."""
    named = task_modules_named_by_tasks()
    assert not named, "core.tasks imports a task module (it must discover them):\n" + "\n".join(named)
    assert {"core/tasks.py"} <= {t for f, ts in graph().items() if f.endswith("/task.py") for t in ts}, \
        "every core/<key>/task.py builds on core.tasks"


# ----------------------------------------------------------------------------------------------- the checker itself
def test_the_checker_reads_imports_as_python_does():
    src = ("import os\nfrom core import checkpoints\nfrom core.sr.model import SCALES\n\n"
           "def f():\n    from core.sr import task\n    return task\n\n"
           "class C:\n    import core.gan.render\n")
    assert imports(src, "core.examples") == [("os", 1, False), ("core.checkpoints", 2, False),
                                             ("core.sr.model", 3, False), ("core.sr.task", 6, True),
                                             ("core.gan.render", 10, True)]
    # Relative imports resolve from the file's package (an __init__ is its own package).
    rel = "from . import model\nfrom .upscale import Upscaler\nfrom .. import checkpoints\n"
    assert imports(rel, "core.sr.compare") == [("core.sr.model", 1, False), ("core.sr.upscale", 2, False),
                                               ("core.checkpoints", 3, False)]
    assert imports("from . import task\n", "core.sr") == [("core.sr.task", 1, False)]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"a"}}) == ["a", "a"]


def test_the_checks_fail_on_a_damaged_copy_of_core(tmp_path):
    """On a scratch copy of core/ (the real files untouched): a function-local `from core import checkpoints`, an
    import up the layers, a cycle, an app import and a task module named by core.tasks are each reported by file
    and line; the untouched copy is clean."""
    shutil.copytree(ROOT / "core", tmp_path / "core", ignore=shutil.ignore_patterns("__pycache__", "examples"))
    assert not hidden_imports(tmp_path) and not upward_imports(tmp_path) and not forbidden_imports(tmp_path)
    assert not task_modules_named_by_tasks(tmp_path)
    assert find_cycle(graph(tmp_path)) is None

    def append(rel: str, text: str) -> int:
        path = tmp_path / rel
        lines = path.read_text().splitlines()
        path.write_text("\n".join([*lines, text, ""]))
        return len(lines) + 1  # the first appended line

    line = append("core/imaging.py", "\n\ndef _scratch():\n    from core import checkpoints\n    return checkpoints")
    assert hidden_imports(tmp_path) == [f"core/imaging.py:{line + 3} imports core.checkpoints"]
    line = append("core/registry.py", "from core.sr import upscale  # noqa")
    assert f"core/registry.py:{line} (layer 0) imports core/sr/upscale.py (layer 4)" in upward_imports(tmp_path)
    cycle = find_cycle(graph(tmp_path))
    assert cycle and cycle[0] == cycle[-1] and "core/registry.py" in cycle
    line = append("core/metrics.py", "import gradio  # noqa")
    assert forbidden_imports(tmp_path) == [f"core/metrics.py:{line} imports gradio"]
    line = append("core/tasks.py", "from core.gan import task  # noqa")
    assert task_modules_named_by_tasks(tmp_path) == [f"core/tasks.py:{line} imports core.gan.task"]
