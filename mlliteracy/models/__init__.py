"""The models the workbook uses: the zoo (torchvision, transformers configs, MiniLM, the digits
CNN), the networks we train, and the MiniLM text encoder with its sentiment head.

Used by: every lesson.

Modules:
- ``minilm``: The MiniLM text encoder in one place: local folder, tokenizer, model,
  ``embed_texts(texts)``.
- ``nets``: Small networks the workbook trains itself (they fit in seconds on a laptop CPU).
- ``sentiment``: A real sentiment classifier: MiniLM sentence embeddings + a logistic-regression
  head.
- ``zoo``: Models available offline: torchvision architectures, MiniLM, BERT shapes and the
  digits CNN.
"""
