import subprocess
import sys

from mlliteracy import cli
from mlliteracy._core.errors import MLLError


def test_help_lists_every_command():
    out = subprocess.run(
        [sys.executable, "-m", "mlliteracy.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in cli.COMMANDS:
        assert name in out


def test_no_command_is_exit_2(capsys):
    assert cli.main([]) == 2


def test_user_errors_are_one_line_exit_2(monkeypatch, capsys):
    from mlliteracy.commands import doctor

    def explode(args):
        raise MLLError("the file x.pt is not a model; pass a .pt, .onnx or .safetensors file")

    monkeypatch.setattr(doctor, "run", explode)
    assert cli.main(["doctor"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("mlliteracy doctor: error: the file x.pt")
