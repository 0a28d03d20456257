"""Public surfaces: each package's `__all__` resolves, the pure pipeline's is pinned, and the
exception tree drawn in worker/errors.py's docstring is the real one."""

from __future__ import annotations

import importlib
import inspect
import re

import pytest

import worker.errors


@pytest.mark.parametrize("package", ["schemas", "worker.pipeline", "worker.llm", "worker.ocr"])
def test_all_names_resolve(package: str) -> None:
    module = importlib.import_module(package)
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert not missing and len(set(module.__all__)) == len(module.__all__)


def test_the_pipeline_surface() -> None:
    import worker.pipeline

    assert set(worker.pipeline.__all__) == {"OcrOptions", "Options", "Outcome", "process",
                                            "status_of"}


def _drawn_tree() -> dict[str, str]:
    """class → parent, from the box drawing in the docstring (indent = depth)."""
    parents: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in (worker.errors.__doc__ or "").splitlines():
        m = re.match(r"^[\s│]*(?:[├└]── )(\w+)", line) or re.match(r"^\s*(Exception)$", line)
        if not m:
            continue
        name = m.group(1)
        depth = line.index(name)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            parents[name] = stack[-1][1]
        stack.append((depth, name))
    return parents


def test_the_error_tree_is_the_one_drawn() -> None:
    ours = {name: cls for name, cls in vars(worker.errors).items()
            if inspect.isclass(cls) and issubclass(cls, BaseException)}
    actual = {name: next(b.__name__ for b in cls.__bases__
                         if b.__name__ in ours or b is Exception)
              for name, cls in ours.items()}
    assert _drawn_tree() == actual
