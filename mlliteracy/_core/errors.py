"""The one exception type users see."""

from __future__ import annotations


class MLLError(Exception):
    """A problem with the user's input or environment, worded as one line with the fix.

    The command line turns it into exit code 2 and prints only the message.
    """


def first_line(err: BaseException, limit: int = 160) -> str:
    """The first line of an exception's message, shortened (for one-line errors)."""
    text = (str(err).strip().splitlines() or [type(err).__name__])[0]
    return text if len(text) <= limit else text[: limit - 3] + "..."
