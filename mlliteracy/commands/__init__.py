"""One module per ``mlliteracy`` subcommand (see :mod:`mlliteracy.cli`)."""
