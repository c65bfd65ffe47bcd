"""The foundation every room stands on: the one error type, escaped HTML and text rendering, the
figure result, and checks that hold on every machine. Imports no room.

Used by: all lessons.

Modules:
- ``errors``: The one exception type users see.
- ``expect``: Checks and sentences that hold on every machine: ``mll.expect`` and
  :class:`Verdict`.
- ``figures``: Matplotlib figures as PNG for Jupyter, without pyplot's global state (one place
  for all).
- ``html``: The one place where HTML is built; every value goes through :func:`esc`.
"""
