import importlib
import subprocess
import sys

import pytest

import mlliteracy


def test_import_is_light_and_has_no_side_effects(tmp_path):
    code = (
        "import sys, os; before = set(os.listdir('.')); import mlliteracy; "
        "heavy = [m for m in ('torch', 'pandas', 'matplotlib', 'transformers') "
        "if m in sys.modules]; "
        "print(heavy, sorted(set(os.listdir('.')) - before))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[] []"


@pytest.mark.parametrize("name", sorted(mlliteracy._EXPORTS))
def test_every_export_resolves(name):
    module = importlib.import_module(f"mlliteracy.{mlliteracy._EXPORTS[name]}")
    assert getattr(mlliteracy, name) is getattr(module, name)
    assert name in mlliteracy.__all__


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        mlliteracy.nope  # noqa: B018


def test_no_export_shadows_a_module():
    """`mll.x` must never be both a function and a submodule (imports would clobber it)."""
    import pkgutil

    modules = {m.name for m in pkgutil.iter_modules(mlliteracy.__path__)}
    assert not modules & set(mlliteracy._EXPORTS)


def test_the_typed_stub_is_the_export_list():
    from pathlib import Path

    folder = Path(mlliteracy.__file__).parent
    assert (folder / "py.typed").is_file()
    stub = (folder / "__init__.pyi").read_text(encoding="utf-8")
    for name in mlliteracy._EXPORTS:
        assert f" as {name}" in stub
    assert set(mlliteracy.__all__) == {*mlliteracy._EXPORTS, "__version__"}
