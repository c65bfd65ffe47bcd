"""mlliteracy: helpers for the ML system literacy workbook.

``import mlliteracy as mll`` is cheap: every helper is re-exported lazily, so
torch and friends load only when a notebook first uses something that needs them.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it (relative to this package)
_EXPORTS: dict[str, str] = {
    # foundation
    "MLLError": "errors",
    "doctor": "envcheck",
    "DoctorReport": "envcheck",
    "lessons": "curriculum",
    "workbook_map": "curriculum",
    "set_seed": "workbook",
    # exercises and grading (engineer D)
    "check": "grading.checks",
    "use_key": "grading.checks",
    "CheckResult": "grading.checks",
    "KeyInfo": "grading.checks",
    "assign_exercises": "grading.assign",
    "AssignReport": "grading.assign",
    "grade_submissions": "grading.grade",
    "GradeReport": "grading.gradebook",
    # model autopsy and zoo (engineer A1)
    "autopsy": "dissect",
    "AutopsyReport": "dissect",
    "LayerRow": "dissect",
    "BlockRow": "dissect",
    "compare_autopsies": "autopsy_text",
    "kaplan_flops": "flops",
    "compare_counters": "flops",
    "trace_model": "flops",
    "load_model": "zoo",
    "ZooModel": "zoo",
    "zoo_names": "zoo",
    # data
    "Dataset": "data",
    "load_digits": "data",
    "load_tweets": "data",
    "load_faq": "data",
    "FAQ": "data",
    # documentation and provenance (engineer B)
    "ModelCard": "cards",
    "Datasheet": "cards",
    "Metric": "cards",
    "evaluation_metrics": "slices",
    "read_data_config": "cardparse",
    "read_model_card": "cardparse",
    "evaluate_classifier": "slices",
    "CardCheck": "cardcheck",
    "Finding": "cardcheck",
    "hash_file": "provenance",
    "hash_dir": "provenance",
    "hash_state_dict": "provenance",
    "Manifest": "manifest",
    "ManifestCheck": "manifest",
    "build_manifest": "manifest",
    "verify_manifest": "manifest",
    "Lineage": "lineage",
    "digits_lineage": "lineage",
    "tweets_lineage": "lineage",
    # nets, training, seeing models (engineer C)
    "DigitsCNN": "nets",
    "TinyMLP": "nets",
    "load_digits_cnn": "nets",
    "train": "training",
    "TrainingRun": "training",
    "evaluate": "training",
    "state_dict_sha256": "training",
    "save_weights": "training",
    "export_onnx": "graph",
    "netron": "graph",
    "NetronView": "graph",
    "layer_tree": "graph",
    "LayerTree": "graph",
    "weight_explorer": "widgets",
    "WeightExplorer": "widgets",
    "weight_stats": "widgets",
    "weight_table": "widgets",
    "digits_cnn_provenance": "nets",
    "compare_runs": "training",
    "three_kinds": "vocabulary",
    "tensor_facts": "vocabulary",
    "token_table": "vocabulary",
    "sentence_embeddings": "vocabulary",
    "similarity_table": "vocabulary",
    # safe loading of untrusted files, ONNX counting (engineer A2)
    "UnsafeFileError": "picklescan",
    "PickleScan": "picklescan",
    "scan_pickle": "picklescan",
    "TensorInventory": "inventory",
    "inspect_file": "safeload",
    "load_weights": "safeload",
    "load_torchscript": "safeload",
    "load_onnx": "safeload",
    "OnnxCount": "onnxcount",
    "count_onnx": "onnxcount",
    "identify_weights": "targets",
    "autopsy_target": "targets",
    # inference bottlenecks: profiling, sentiment service, serving (engineer E)
    "measure_latency": "profiling",
    "LatencyStats": "profiling",
    "StageTimer": "profiling",
    "compare_variants": "profiling",
    "batch_sweep": "profiling",
    "sweep_explorer": "profiling",
    "cprofile_table": "tracing",
    "torch_op_table": "tracing",
    "measure_memory": "tracing",
    "MemoryStats": "tracing",
    "tensor_bytes": "tracing",
    "train_sentiment": "sentiment",
    "SentimentClassifier": "sentiment",
    "ClassifierMetrics": "sentiment",
    "embed_texts": "sentiment",
    "SentimentPipeline": "pipelines",
    "PipelineOptions": "pipelines",
    "naive_pipeline": "pipelines",
    "optimized_pipeline": "pipelines",
    "pipeline_steps": "pipelines",
    "agreement_table": "comparisons",
    "encoder_options": "comparisons",
    "serve": "serving",
    "Server": "serving",
    "load_test": "loadtest",
    # cost models, roofline, pipeline failures (engineer F)
    "Price": "cost",
    "ILLUSTRATIVE_PRICES": "cost",
    "cost_per_1k_requests": "cost",
    "cost_per_1m_tokens": "cost",
    "serving_cost": "cost",
    "ServingCost": "cost",
    "cost_table": "cost",
    "training_flops": "cost",
    "device_hours": "cost",
    "energy_kwh": "cost",
    "training_estimate": "cost",
    "TrainingEstimate": "cost",
    "Roof": "roofline",
    "measure_roof": "roofline",
    "measure_peak_gflops": "roofline",
    "measure_bandwidth_gbs": "roofline",
    "gemm_flops": "roofline",
    "gemm_intensity": "roofline",
    "attainable_gflops": "roofline",
    "layer_points": "roofline",
    "batch_points": "roofline",
    "encoder_flops": "roofline",
    "plot_roofline": "roofline",
    "RooflinePlot": "roofline",
    "split_overlap": "diagnostics",
    "OverlapReport": "diagnostics",
    "duplicate_groups": "diagnostics",
    "learning_curves": "diagnostics",
    "LearningCurves": "diagnostics",
    "label_noise_estimate": "diagnostics",
    "LabelNoiseReport": "diagnostics",
    "psi": "drift",
    "psi_level": "drift",
    "compare_distributions": "drift",
    "DriftReport": "drift",
    "fitted_on_train_only": "diagnostics",
    "broken_pipeline": "failures",
    "fixed_pipeline": "failures",
    "CaseStudy": "failures",
    "compare_cases": "failures",
    "train_features": "failures",
    "broken_serving_features": "failures",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mlliteracy' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # cache: the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return __all__
