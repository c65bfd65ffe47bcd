"""The one exception type users see."""

from __future__ import annotations


class MLLError(Exception):
    """A problem with the user's input or environment, worded as one line with the fix.

    The command line turns it into exit code 2 and prints only the message.
    """
