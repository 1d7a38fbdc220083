"""core/ imports run one way (../shared/DESIGN.md, README "Layout"): a layering rule as a test, on the source."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "core"

#: Each core module's layer: a module imports only modules of lower layers (or of its own, without a cycle).
LAYERS = {
    "core/registry.py": 0,
    "core/sr/model.py": 1, "core/fashion/models.py": 1, "core/gan/models.py": 1,
    "core/checkpoints.py": 2,
    "core/imaging.py": 3, "core/metrics.py": 3, "core/plots.py": 3, "core/training.py": 3, "core/examples.py": 3,
    "core/sr/data.py": 3, "core/fashion/data.py": 3, "core/gan/latent.py": 3, "core/gan/augment.py": 3,
    "core/sr/upscale.py": 4, "core/sr/compare.py": 4, "core/sr/evaluate.py": 4,
    "core/fashion/predict.py": 4, "core/fashion/evaluate.py": 4,
    "core/gan/render.py": 4, "core/gan/sample.py": 4, "core/gan/explore.py": 4, "core/gan/timeline.py": 4,
    "core/gan/evaluate.py": 4,
    "core/tasks.py": 5, "core/sr/task.py": 5, "core/fashion/task.py": 5, "core/gan/task.py": 5,
}
PACKAGE_INITS = {"core/__init__.py", "core/sr/__init__.py", "core/fashion/__init__.py", "core/gan/__init__.py"}
FORBIDDEN = ("demos", "train", "bench", "gradio", "streamlit")


def module_file(name: str) -> str | None:
    """'core.sr.model' -> 'core/sr/model.py' (a package -> its __init__.py); None outside core."""
    if name != "core" and not name.startswith("core."):
        return None
    path = ROOT / Path(*name.split("."))
    return (path / "__init__.py" if path.is_dir() else path.with_suffix(".py")).relative_to(ROOT).as_posix()


def imports(source: str) -> list[tuple[str, int, bool]]:
    """(imported module, line, inside a function or class) for every import statement of `source`."""
    found = []

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            if isinstance(child, ast.Import):
                found.extend((a.name, child.lineno, nested) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and not child.level:
                # `from core import checkpoints` imports core.checkpoints; `from core.x import name` imports core.x
                subs = [f"{child.module}.{a.name}" for a in child.names]
                found.extend((s if module_file(s) and (ROOT / module_file(s)).is_file() else child.module,
                           child.lineno, nested) for s in subs)
            visit(child, inner)

    visit(ast.parse(source), False)
    return found


def core_files() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


def graph() -> dict[str, set[str]]:
    return {p.relative_to(ROOT).as_posix(): {f for m, _, _ in imports(p.read_text()) if (f := module_file(m))}
            for p in core_files()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a list of nodes, or None."""
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


def test_every_core_module_has_a_layer():
    unplaced = [f for f in graph() if f not in LAYERS and f not in PACKAGE_INITS]
    assert not unplaced, f"place these modules in tests/test_layers.py LAYERS: {unplaced}"


def test_core_imports_run_down_the_layers_and_form_no_cycle():
    edges = graph()
    back = [f"{a} (layer {LAYERS[a]}) imports {b} (layer {LAYERS[b]})" for a, bs in edges.items() if a in LAYERS
            for b in bs if b in LAYERS and LAYERS[b] > LAYERS[a]]
    assert not back, "imports up the layers:\n" + "\n".join(back)
    inits = [f"{a} imports {sorted(bs)}" for a, bs in edges.items() if a in PACKAGE_INITS and bs]
    assert not inits, "package __init__ files re-export nothing (import from the module):\n" + "\n".join(inits)
    assert find_cycle(edges) is None, f"import cycle: {' -> '.join(find_cycle(edges))}"


def test_no_core_import_hides_inside_a_function():
    hidden = [f"{p.relative_to(ROOT)}:{line} imports {m}" for p in core_files()
              for m, line, nested in imports(p.read_text()) if nested and module_file(m)]
    assert not hidden, "function-local core imports (a cycle dodged, or a layer out of place):\n" + "\n".join(hidden)


def test_core_imports_no_app_trainer_or_ui_library_and_tasks_finds_the_tasks_itself():
    bad = [f"{p.relative_to(ROOT)}:{line} imports {m}" for p in core_files()
           for m, line, _ in imports(p.read_text()) if m.split(".")[0] in FORBIDDEN]
    assert not bad, "\n".join(bad)
    assert not {f for f in graph()["core/tasks.py"] if f.endswith("/task.py")}  # discovered, never imported


def test_the_checks_catch_what_they_are_for():
    """The checker itself: a hidden import, an import up the layers and a cycle are each seen."""
    src = "import os\nfrom core import checkpoints\n\ndef f():\n    from core.sr import task\n    return task\n"
    assert imports(src) == [("os", 1, False), ("core.checkpoints", 2, False), ("core.sr.task", 5, True)]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
