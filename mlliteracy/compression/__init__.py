"""Making a model cheaper: quantisation, pruning, distillation, and the trade-off table, Pareto
front and memo that pick a variant under a constraint.

Used by: intermediate 02.

Modules:
- ``distillation``: Knowledge distillation: a tiny student CNN learns from the digits CNN's
  softened outputs.
- ``memo``: The Markdown memo behind ``Recommendation.memo()``: choice, rejected options, $,
  caveats.
- ``pareto``: The Pareto front of a trade-off table, its plot, and variants placed on a
  roofline.
- ``pruning``: Pruning with measured sparsity: unstructured (zeros in dense tensors) vs
  structured (channels).
- ``quantize``: Model variants for the cost lesson: the fp32 baseline, half precision, int8
  quantisation.
- ``table``: The trade-off table's vocabulary: which objectives are cheaper when smaller, which
  are timings, and the checks every reader of a table uses (tradeoffs, pareto, memo).
- ``text_variants``: The MiniLM sentiment service as cost variants: fp32 torch, ONNX Runtime,
  int8, fewer layers, pruned.
- ``tradeoffs``: Every variant measured side by side, the Pareto front, and a recommendation
  under a constraint.
"""
