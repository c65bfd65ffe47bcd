import math

import numpy as np
import pytest
import torch

import mlliteracy as mll


def test_weight_stats_exact_on_a_known_tensor():
    stats = mll.weight_stats(torch.tensor([0.0, 0.0, 3.0, 4.0]))
    assert stats["count"] == 4
    assert stats["mean"] == 1.75
    assert stats["std"] == pytest.approx(math.sqrt(3.1875))
    assert (stats["min"], stats["max"]) == (0.0, 4.0)
    assert stats["l2_norm"] == 5.0
    assert stats["sparsity"] == 0.5
    assert stats["near_zero_share"] == 0.5


def test_near_zero_counts_tiny_but_nonzero_weights():
    stats = mll.weight_stats(np.array([[0.0, 5e-4], [-5e-4, 0.5]]))
    assert stats["sparsity"] == 0.25
    assert stats["near_zero_share"] == 0.75
    assert mll.weight_stats([1e-2, 1e-2], near_zero=0.1)["near_zero_share"] == 1.0


def test_weight_stats_bad_input():
    with pytest.raises(mll.MLLError, match="no elements"):
        mll.weight_stats([])
    with pytest.raises(mll.MLLError, match="not numeric"):
        mll.weight_stats(["a", "b"])
    with pytest.raises(mll.MLLError, match="near_zero"):
        mll.weight_stats([1.0], near_zero=0)


def test_weight_table_one_row_per_tensor():
    model = mll.load_digits_cnn()
    table = mll.weight_table(model, mll.load_digits_cnn(pretrained=False))
    assert list(table.index) == [n for n, _ in model.named_parameters()]
    assert table["count"].sum() == 38_282
    assert table.loc["features.2.weight", "shape"] == "32x16x3x3"
    # training moved the big layer's weights away from their initial spread
    assert (
        table.loc["classifier.1.weight", "std"] > table.loc["classifier.1.weight", "reference std"]
    )


def test_changing_the_dropdown_redraws_the_plot_and_stats():
    explorer = mll.weight_explorer(mll.load_digits_cnn(), mll.load_digits_cnn(pretrained=False))
    first_png, first_stats = explorer.image.value, explorer.stats.value
    assert first_png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "features.0.weight" in first_stats and "fresh init" in first_stats
    explorer.dropdown.value = "classifier.4.weight"
    assert explorer.image.value != first_png
    assert "classifier.4.weight" in explorer.stats.value
    assert explorer.stats.value != first_stats
    explorer.select("features.0.bias")
    assert "(16,)" in explorer.stats.value
    with pytest.raises(mll.MLLError, match="not a parameter"):
        explorer.select("nope")


def test_static_snapshot_for_exported_html():
    explorer = mll.weight_explorer(mll.TinyMLP())
    html = explorer.snapshot_html()
    assert html.startswith('<img alt="weights of net.1.weight" src="data:image/png;base64,')
    assert html.count("<tr>") == 1 + 4  # header + four tensors
    assert "fresh init" not in explorer.stats.value  # no reference given
    assert repr(explorer) == "WeightExplorer(4 tensors, showing 'net.1.weight')"


def test_explorer_needs_a_module_with_parameters():
    with pytest.raises(mll.MLLError, match="no parameters"):
        mll.weight_explorer(torch.nn.ReLU())
    with pytest.raises(mll.MLLError, match=r"torch\.nn\.Module"):
        mll.weight_explorer("model")


def test_explorer_displays_one_bundle_widget_with_static_fallback():
    explorer = mll.weight_explorer(mll.TinyMLP())
    assert not hasattr(explorer, "_ipython_display_")  # one output, not widget + HTML
    bundle = explorer._repr_mimebundle_()
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == explorer.widget.model_id
    assert bundle["text/html"] == explorer.snapshot_html()
    assert bundle["text/plain"] == repr(explorer)  # not the VBox repr cut with an ellipsis
    assert "…" not in bundle["text/plain"]


def test_exported_html_falls_back_to_the_snapshot(tmp_path):
    import nbformat
    from nbconvert import HTMLExporter

    explorer = mll.weight_explorer(mll.TinyMLP())
    bundle = explorer._repr_mimebundle_()
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("mll.weight_explorer(model)")
    cell.outputs = [nbformat.v4.new_output("display_data", data=bundle)]
    nb.cells = [cell]
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    # no widget state saved: nbconvert skips the widget view and shows the static snapshot once
    assert body.count("every parameter tensor (static snapshot)") == 1
    assert 'type="application/vnd.jupyter.widget-view+json"' not in body
