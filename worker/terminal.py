"""Text from outside (file names, reasons quoting a document) made inert before it reaches a
terminal: control characters — escape sequences (ESC [31m), carriage return, bell, backspace —
bidi overrides and isolates, zero-width and other format characters, line and paragraph
separators and the lone surrogates an undecodable file name carries are shown as visible
escapes (`\\x1b`, `\\u202e`), so a name can neither repaint the screen nor crash the output.
Rich markup in it (`[/x]`, `[bold]`) is escaped by the CLI on top (worker/cli.py).
"""

from __future__ import annotations

import unicodedata

_INERT = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def printable(text: object, keep: str = "") -> str:
    """`text` with every character of the module docstring escaped, except those in `keep`
    (a log message keeps its newlines and tabs: keep="\\n\\t")."""
    s = str(text)
    if s.isprintable():  # no Cc, Cf, Cs, Zl, Zp: nothing to escape (the common case)
        return s
    return "".join(c if c in keep or unicodedata.category(c) not in _INERT else _escape(c)
                   for c in s)


def _escape(c: str) -> str:
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"
