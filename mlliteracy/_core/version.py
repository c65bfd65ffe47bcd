"""The package version, in one place (the facade re-exports it as ``mlliteracy.__version__``)."""

VERSION = "0.1.0"
