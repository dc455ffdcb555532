"""Text for terminals and error lines: what a user wrote, made safe to print.

Kept apart from the heavier packages so the command line can use it before
importing anything else.
"""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(text: object) -> str:
    """``text`` with line breaks and other control characters written as escapes
    (``\\n``, ``\\x1b``), so that it prints as one line and moves no cursor."""
    def escape(m: re.Match[str]) -> str:
        c = m.group()
        return _ESCAPES.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")

    return _CONTROL.sub(escape, str(text))
