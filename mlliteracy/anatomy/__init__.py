"""Reading a model: the autopsy (params, FLOPs, MACs, shapes, memory), the dispatch-level FLOP
counter, model files (safetensors, ONNX, pickles) read without running their code.

Used by: beginner 01-02, intermediate 02, the autopsy CLI.

Modules:
- ``counters``: Other counters beside ours (PyTorch's FlopCounterMode, torchinfo) and where
  each differs: by convention (MACs) or by missed work.
- ``autopsy``: Model autopsy: parameters, FLOPs/MACs, shapes, memory and structure of any
  PyTorch model.
- ``flops``: Dispatch-level FLOP counting: every conv, matmul and attention kernel, whatever
  path runs.
- ``inventory``: A tensor inventory: what a weights file holds (names, shapes, dtypes, params,
  bytes).
- ``onnx``: Count parameters and FLOPs straight from an ONNX graph (no PyTorch needed).
- ``picklescan``: Read a pickle's opcodes WITHOUT running it, and refuse globals outside a small
  allowlist.
- ``report``: Structure recognition (family, major blocks) and the one-page Markdown autopsy
  report.
- ``safeload``: Open model files from strangers safely: check first, load second, never unpickle
  blindly.
- ``targets``: Autopsy of whatever the user names: a zoo model or a file (.onnx, .safetensors,
  .pt/.pth).
"""
