"""Where things are printed: one box type for every model and every reader."""

from collections.abc import Iterable

BBox = tuple[float, float, float, float]
"""PDF points (x0, y0, x1, y1), origin top-left, in the page's unrotated space: the space
PyMuPDF's `page.get_text` reports, whatever `/Rotate` says."""


def union(boxes: Iterable[BBox | None]) -> BBox | None:
    """The box around `boxes` (missing ones skipped); None when none is given."""
    real = [b for b in boxes if b is not None]
    if not real:
        return None
    return (
        min(b[0] for b in real),
        min(b[1] for b in real),
        max(b[2] for b in real),
        max(b[3] for b in real),
    )
