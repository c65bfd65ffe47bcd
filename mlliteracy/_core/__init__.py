"""The foundation every room stands on: the one error type, escaped HTML and text rendering, the
figure result, checks that hold on every machine, where offline assets live, machine facts and
the version. Imports no room.

Used by: all lessons.

Modules:
- ``errors``: The one exception type users see.
- ``expect``: Checks and sentences that hold on every machine: ``mll.expect`` and
  :class:`Verdict`.
- ``figures``: Matplotlib figures as PNG for Jupyter, without pyplot's global state (one place
  for all).
- ``html``: The one place where HTML is built; every value goes through :func:`esc`.
- ``offline``: Where the offline assets that packages ship live on disk (nothing downloads at
  run time).
- ``runtime``: Facts about this machine that measurements depend on (CPU features).
- ``version``: The package version, in one place (the facade re-exports it as
  ``mlliteracy.__version__``).
"""
