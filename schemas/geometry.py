"""Where things are printed: one box type for every model and every reader."""

BBox = tuple[float, float, float, float]
"""PDF points (x0, y0, x1, y1), origin top-left, in the page's unrotated space: the space
PyMuPDF's `page.get_text` reports, whatever `/Rotate` says."""
