"""Pictures a person would rather look at than read: the weight explorer widget and the model graph
in Netron.

Used by: beginner 02.

Modules:
- ``curves``: Learning curves of several training runs, overlaid, and the sentence that reads
  them (beginner 03).
- ``graph``: Seeing a model's graph: ONNX export, the Netron viewer in a notebook, a static
  layer tree.
- ``pictures``: Three small graphs to read in Netron (a residual block, an attention block, an
  LSTM), with their committed pictures.
- ``weights``: Looking at weights: exact statistics and an interactive explorer (ipywidgets +
  matplotlib).
"""
