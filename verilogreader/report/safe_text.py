"""External text on the terminal: what a model, a design (comments, escaped identifiers), a file
name or a simulator log says is shown as it is, never as markup or terminal control.

rich reads `[...]` in printed strings as markup: a model's `[/nonexistent]` raised MarkupError in
the final report and `[bold green]` styled it; an ESC from the model reached the terminal.
"""

from __future__ import annotations

import re

from rich.markup import escape
from rich.text import Text

# C0 controls but tab and newline, DEL, C1 controls (ESC starts every terminal sequence)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: object) -> str:
    """`text` without control characters."""
    return _CONTROL.sub("", str(text))


def shown(text: object) -> str:
    """`text` ready to go inside a markup string: escaped and without control characters."""
    return escape(printable(text))


def cell(text: object) -> Text:
    """A table cell or title that is never read as markup."""
    return Text(printable(text))
