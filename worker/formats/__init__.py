"""Readers: a loaded document → the layout IR (worker/layout.py). `pdf/` (PyMuPDF), `docx.py`
(python-docx), `sheet.py` (openpyxl, xlrd), `text.py` (plain text, our own parsing);
`textnorm.py` repairs extracted text.

`reading(kind, library)` is where a library's failure on a broken file becomes the document's
problem (DocumentRejected), and only that: an error raised in our own code is a bug and keeps
its traceback (the job fails visibly and is retried, then reported).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from os.path import realpath
from pathlib import Path
from traceback import walk_tb
from types import ModuleType, TracebackType

from worker.errors import BudgetlensError, DocumentRejected

_OURS = str(Path(__file__).resolve().parents[1]) + "/"  # worker/


@contextmanager
def reading(kind: str, *libraries: ModuleType) -> Iterator[None]:
    """Inside: an exception raised in a call our code made into one of `libraries` (and
    whatever they call, e.g. lxml under python-docx) → DocumentRejected naming the kind."""
    roots = tuple(str(Path(lib.__file__ or "").resolve().parent) + "/" for lib in libraries)
    try:
        yield
    except BudgetlensError:
        raise
    except Exception as exc:
        if not _raised_inside(exc.__traceback__, roots):
            raise
        raise DocumentRejected(f"cannot read the {kind} content: {exc}") from exc


def _raised_inside(tb: TracebackType | None, roots: tuple[str, ...]) -> bool:
    """Whether the frame our code called last, on the way to the raise, is in one of `roots`."""
    files = [realpath(frame.f_code.co_filename) for frame, _ in walk_tb(tb)]
    ours = [i for i, name in enumerate(files) if name.startswith(_OURS)]
    if not ours or ours[-1] + 1 == len(files):
        return False  # raised by our own code
    return files[ours[-1] + 1].startswith(roots)
