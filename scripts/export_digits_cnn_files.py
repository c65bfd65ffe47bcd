"""Write the shipped digits CNN in two more file formats, from its safetensors weights.

Usage:
    python scripts/export_digits_cnn_files.py            # writes mlliteracy/assets/digits_cnn/
    python scripts/export_digits_cnn_files.py --out DIR  # somewhere else

Writes, beside ``model.safetensors`` (which it only reads):

- ``model.onnx``: the graph with the weights as initializers (TorchScript exporter, opset 17,
  batch dynamic); Netron and ONNX Runtime open it;
- ``model_full_pickle.pt``: the whole module pickled by ``torch.save(model)``, the legacy habit
  that the workbook's safe loader refuses: its pickle imports
  ``mlliteracy.models.nets.DigitsCNN`` and the ``torch.nn`` layer classes, so loading it would
  run whatever code those names point to.

Both hold exactly the shipped weights: ``tests/anatomy/test_model_files.py`` compares them with
``model.safetensors`` without unpickling anything. Beginner 02 autopsies all three files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "mlliteracy" / "assets" / "digits_cnn_files"  # beside the shipped model
ONNX_FILE = "model.onnx"
PICKLE_FILE = "model_full_pickle.pt"


def export_files(out: Path) -> dict[str, Path]:
    """Write the ONNX graph and the full-module pickle of the shipped DigitsCNN into ``out``."""
    import torch

    import mlliteracy as mll

    model = mll.load_digits_cnn()  # the shipped weights, eval mode
    out.mkdir(parents=True, exist_ok=True)
    onnx_path = mll.export_onnx(model, torch.zeros(1, 1, 8, 8), out / ONNX_FILE)
    pickle_path = out / PICKLE_FILE
    torch.save(model, pickle_path)  # the habit under study: the whole object, code references
    return {"onnx": onnx_path, "pickle": pickle_path}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ASSETS, help="folder to write into")
    args = parser.parse_args(argv)
    for kind, path in export_files(args.out).items():
        print(f"{kind}: {path.name} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
