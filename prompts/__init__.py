"""Prompts are data: versioned text files in this folder, loaded by name.

A file is `<name>.v<N>.txt`; `load("project_targets")` takes the highest N, `load(name, 1)` a
given one. Variables are written `{{ var }}`; rendering without one of them fails loudly, so a
renamed variable cannot silently send the model an empty section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

PROMPT_DIR = Path(__file__).parent
_VAR = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_FILE = re.compile(r"^(?P<name>[a-z0-9_]+)\.v(?P<version>\d+)\.txt$")


class PromptError(KeyError):
    """A prompt that does not exist, or a variable the caller did not supply."""


@dataclass(frozen=True, slots=True)
class Prompt:
    name: str
    version: int
    template: str

    @property
    def id(self) -> str:
        return f"{self.name}.v{self.version}"

    @property
    def variables(self) -> set[str]:
        return set(_VAR.findall(self.template))

    def render(self, **values: object) -> str:
        missing = self.variables - values.keys()
        if missing:
            raise PromptError(f"prompt {self.id} needs {sorted(missing)}")
        # One pass over the template: a value that itself contains {{ x }} stays as it is.
        return _VAR.sub(lambda m: str(values[m.group(1)]), self.template)


def versions(name: str, folder: Path = PROMPT_DIR) -> list[int]:
    found = (_FILE.match(p.name) for p in folder.glob(f"{name}.v*.txt"))
    return sorted(int(m["version"]) for m in found if m and m["name"] == name)


def load(name: str, version: int | None = None, folder: Path = PROMPT_DIR) -> Prompt:
    available = versions(name, folder)
    if not available:
        raise PromptError(f"no prompt named {name!r} in {folder}")
    chosen = available[-1] if version is None else version
    if chosen not in available:
        raise PromptError(f"prompt {name!r} has versions {available}, not {chosen}")
    text = (folder / f"{name}.v{chosen}.txt").read_text(encoding="utf-8")
    return Prompt(name, chosen, text)
