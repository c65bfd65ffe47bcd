"""The foundation every room stands on: the one error type, escaped HTML and text rendering, the
figure result, checks that hold on every machine, where offline assets live, machine facts and
the version, the atomic write. Imports no room.

Used by: all lessons.

Modules:
- ``checks``: Input checks with one message style: seeds, positive numbers, matrices, texts.
- ``errors``: The one exception type users see.
- ``expect``: Checks and sentences that hold on every machine: ``mll.expect`` and
  :class:`Verdict`.
- ``files``: The one atomic write (temporary file, then ``os.replace``) for every file the
  package writes.
- ``figures``: Matplotlib figures as PNG for Jupyter, without pyplot's global state (one place
  for all).
- ``html``: The one place where HTML is built; every value goes through :func:`esc`.
- ``offline``: Where the offline assets that packages ship live on disk (nothing downloads at
  run time), and the fixed text of ``mlliteracy/assets/*.yaml``, read once (``load_asset``).
- ``runtime``: Facts about this machine that measurements depend on (CPU features), and its
  local TCP ports.
"""
