"""Pictures a person would rather look at than read: the weight explorer widget and the model graph
in Netron.

Used by: beginner 02.

Modules:
- ``graph``: Seeing a model's graph: ONNX export, the Netron viewer in a notebook, a static
  layer tree.
- ``weights``: Looking at weights: exact statistics and an interactive explorer (ipywidgets +
  matplotlib).
"""
