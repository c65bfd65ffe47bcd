# ruff: noqa: I001  (grouped by room, in the order the lessons meet them)
"""The public names of ``mlliteracy`` (``import mlliteracy as mll``), grouped by room.

This stub is the single list of ``mll.<name>``: ``__init__.py`` reads it to resolve names
lazily, and type checkers and editors read it for the types. Everything else stays importable
from its room (``mlliteracy.<room>.<module>``).
"""

__version__: str

# _core
from ._core.errors import MLLError as MLLError
from ._core.expect import ExpectationError as ExpectationError, Verdict as Verdict, expect as expect

# workbook
from .workbook.curriculum import workbook_map as workbook_map
from .workbook.doctor import doctor as doctor
from .workbook.harness import set_seed as set_seed

# grading
from .grading.checks import check as check, use_key as use_key
from .grading.grade import grade_submissions as grade_submissions

# data
from .data.datasets import (
    load_digits as load_digits,
    load_faq as load_faq,
    load_tweets as load_tweets,
)

# models
from .models.nets import (
    DigitsCNN as DigitsCNN,
    TinyMLP as TinyMLP,
    digits_cnn_assets as digits_cnn_assets,
    digits_cnn_files as digits_cnn_files,
    digits_cnn_provenance as digits_cnn_provenance,
    load_digits_cnn as load_digits_cnn,
)
from .models.minilm import (
    embed_texts as embed_texts,
    minilm_path as minilm_path,
    shared_tokenizer as shared_tokenizer,
)
from .models.sentiment import (
    SentimentClassifier as SentimentClassifier,
    train_sentiment as train_sentiment,
)
from .models.zoo import load_model as load_model

# cards
from .cards.card import (
    Datasheet as Datasheet,
    ModelCard as ModelCard,
    read_model_card as read_model_card,
)
from .cards.parse import read_data_config as read_data_config
from .cards.slices import evaluate_classifier as evaluate_classifier

# vocabulary
from .vocabulary import (
    digit_picture as digit_picture,
    filter_tiles as filter_tiles,
    pipeline_diagram as pipeline_diagram,
    sentence_embeddings as sentence_embeddings,
    similarity_heatmap as similarity_heatmap,
    similarity_table as similarity_table,
    tensor_facts as tensor_facts,
    three_kinds as three_kinds,
    token_table as token_table,
)

# anatomy
from .anatomy.autopsy import autopsy as autopsy, compare_autopsies as compare_autopsies
from .anatomy.counters import compare_counters as compare_counters, torchinfo_gaps as torchinfo_gaps
from .anatomy.flops import kaplan_flops as kaplan_flops
from .anatomy.onnx import count_onnx as count_onnx, export_onnx as export_onnx
from .anatomy.picklescan import scan_pickle as scan_pickle
from .anatomy.safeload import (
    inspect_file as inspect_file,
    load_onnx as load_onnx,
    load_torchscript as load_torchscript,
    load_weights as load_weights,
)
from .anatomy.targets import autopsy_target as autopsy_target, identify_weights as identify_weights

# views
from .views.curves import explain_curves as explain_curves, plot_curves as plot_curves
from .views.graph import NetronView as NetronView, layer_tree as layer_tree, netron as netron
from .views.pictures import graph_specimens as graph_specimens
from .views.weights import (
    weight_explorer as weight_explorer,
    weight_stats as weight_stats,
    weight_table as weight_table,
)

# training
from .training import (
    compare_runs as compare_runs,
    evaluate as evaluate,
    save_weights as save_weights,
    train as train,
)

# provenance
from .provenance.hashes import (
    hash_dir as hash_dir,
    hash_file as hash_file,
    hash_state_dict as hash_state_dict,
)
from .provenance.lineage import (
    Lineage as Lineage,
    digits_lineage as digits_lineage,
    tweets_lineage as tweets_lineage,
)
from .provenance.manifest import (
    build_manifest as build_manifest,
    verify_manifest as verify_manifest,
)
from .provenance.supplychain import supply_chain_check as supply_chain_check
from .provenance.trace import provenance_trace as provenance_trace

# latency
from .latency.ablation import ablation_table as ablation_table, explain_speedup as explain_speedup
from .latency.batching import (
    batch_sweep as batch_sweep,
    explain_batching as explain_batching,
    explain_buckets as explain_buckets,
    length_buckets as length_buckets,
    sweep_explorer as sweep_explorer,
)
from .latency.figures import (
    plot_batch_sweep as plot_batch_sweep,
    plot_load as plot_load,
    plot_stage_shares as plot_stage_shares,
    stage_shares as stage_shares,
)
from .latency.encoders import agreement_table as agreement_table, encoder_options as encoder_options
from .latency.loadtest import explain_load as explain_load, load_test as load_test
from .latency.pipeline import (
    PipelineOptions as PipelineOptions,
    SentimentPipeline as SentimentPipeline,
    naive_pipeline as naive_pipeline,
    optimized_pipeline as optimized_pipeline,
    pipeline_steps as pipeline_steps,
)
from .latency.profilers import (
    cprofile_table as cprofile_table,
    measure_memory as measure_memory,
    release_memory as release_memory,
    tensor_bytes as tensor_bytes,
    torch_op_table as torch_op_table,
)
from .latency.server import serve as serve
from .latency.timing import (
    LatencyStats as LatencyStats,
    StageTimer as StageTimer,
    compare_variants as compare_variants,
    measure_latency as measure_latency,
)

# compression
from .compression.distillation import (
    DistillRun as DistillRun,
    distill as distill,
    student_cnn as student_cnn,
)
from .compression.pareto import variant_points as variant_points
from .compression.pruning import (
    prune_channels as prune_channels,
    prune_unstructured as prune_unstructured,
)
from .compression.quantize import (
    half_precision as half_precision,
    onnx_variant as onnx_variant,
    quantize_dynamic_int8 as quantize_dynamic_int8,
    quantize_static_int8 as quantize_static_int8,
    torch_variant as torch_variant,
)
from .compression.text_variants import (
    minilm_variant as minilm_variant,
    sentiment_task as sentiment_task,
)
from .compression.tradeoffs import (
    machine_facts as machine_facts,
    measure_variants as measure_variants,
    recommend as recommend,
)

# cost
from .cost.benefit import (
    Option as Option,
    cost_benefit as cost_benefit,
    pilot_check as pilot_check,
)
from .cost.buildbuy import average_tokens as average_tokens, build_vs_buy as build_vs_buy
from .cost.cascade import (
    Cascade as Cascade,
    model_proba as model_proba,
    sample_tweets as sample_tweets,
    train_tfidf as train_tfidf,
)
from .cost.compare import accuracy_se as accuracy_se, paired_bootstrap as paired_bootstrap
from .cost.curve import cascade_curve as cascade_curve
from .cost.pricing import (
    ILLUSTRATIVE_PRICES as ILLUSTRATIVE_PRICES,
    Price as Price,
    cost_per_1k_requests as cost_per_1k_requests,
    cost_per_1m_tokens as cost_per_1m_tokens,
    cost_table as cost_table,
    device_hours as device_hours,
    energy_kwh as energy_kwh,
    listed_price as listed_price,
    price_table as price_table,
    serving_cost as serving_cost,
    training_estimate as training_estimate,
    training_flops as training_flops,
)
from .cost.roofline import (
    Roof as Roof,
    attainable_gflops as attainable_gflops,
    batch_points as batch_points,
    encoder_flops as encoder_flops,
    gemm_flops as gemm_flops,
    gemm_intensity as gemm_intensity,
    layer_points as layer_points,
    measure_peak_gflops as measure_peak_gflops,
    measure_roof as measure_roof,
    text_batch_points as text_batch_points,
)
from .cost.roofline_figure import plot_roofline as plot_roofline

# failures
from .failures.ablation import (
    ablate_fixes as ablate_fixes,
    duplicate_share as duplicate_share,
)
from .failures.cases import (
    FIXES as FIXES,
    broken_pipeline as broken_pipeline,
    compare_cases as compare_cases,
    fixed_pipeline as fixed_pipeline,
    repaired_pipeline as repaired_pipeline,
)
from .failures.diagnostics import (
    duplicate_groups as duplicate_groups,
    explain_learning_curves as explain_learning_curves,
    fitted_on_train_only as fitted_on_train_only,
    label_noise_estimate as label_noise_estimate,
    learning_curves as learning_curves,
    plot_learning_curves as plot_learning_curves,
    split_overlap as split_overlap,
)
from .failures.drift import (
    compare_distributions as compare_distributions,
    psi as psi,
    psi_level as psi_level,
)
from .failures.labels import (
    compare_label_issues as compare_label_issues,
    explain_label_issues as explain_label_issues,
)
from .failures.release import (
    clipped_serving_features as clipped_serving_features,
    concept_drift as concept_drift,
    release_diff as release_diff,
    subtle_skew as subtle_skew,
)

# risks
from .risks.fairness import (
    IDENTITY_TEMPLATES as IDENTITY_TEMPLATES,
    IDENTITY_TERMS as IDENTITY_TERMS,
    identity_bias as identity_bias,
)
from .risks.faqeval import load_faq_eval as load_faq_eval
from .risks.hallucination import threshold_curve as threshold_curve
from .risks.membership import (
    example_losses as example_losses,
    membership_contrast as membership_contrast,
    membership_inference as membership_inference,
    sentiment_membership as sentiment_membership,
)
from .risks.pii import redact_pii as redact_pii, scan_pii as scan_pii
from .risks.robustness import perturbation_test as perturbation_test

# audit
from .audit.ai_act import (
    IntendedUse as IntendedUse,
    ai_act_tier as ai_act_tier,
    demo_intended_use as demo_intended_use,
)
from .audit.assistant import FAQAssistant as FAQAssistant, build_assistant as build_assistant
from .audit.bundle import run_audit as run_audit
from .audit.measure import (
    assistant_supply_chain as assistant_supply_chain,
    collect_measurements as collect_measurements,
)
from .audit.register import (
    LIKELIHOOD_CUTS as LIKELIHOOD_CUTS,
    risk_register as risk_register,
    summarise_measurements as summarise_measurements,
)
from .audit.regulation import regulatory_map as regulatory_map
from .audit.system import Flow as Flow, SystemSpec as SystemSpec, demo_system as demo_system

# mlops
from .mlops.alerts import (
    DriftAlert as DriftAlert,
    PsiNull as PsiNull,
    drift_alert as drift_alert,
    plot_drift as plot_drift,
    plot_drift_pca as plot_drift_pca,
    plot_psi_null as plot_psi_null,
    psi_null as psi_null,
)
from .mlops.migration import migration_plan as migration_plan
from .mlops.monitoring import (
    MonitorReport as MonitorReport,
    drift_monitor as drift_monitor,
    text_features as text_features,
    tweet_drift_samples as tweet_drift_samples,
)
from .mlops.redesign import redesign_pipeline as redesign_pipeline
from .mlops.repro import (
    digits_trainer as digits_trainer,
    reproducibility_check as reproducibility_check,
)
from .mlops.scan import scan_project as scan_project
from .mlops.shadowit import shadow_it_case as shadow_it_case
from .mlops.stages import StageTools as StageTools, stage_tools as stage_tools
from .mlops.testscore import (
    merge_evidence as merge_evidence,
    ml_test_score as ml_test_score,
    score_rubric as score_rubric,
)
from .mlops.tracking import (
    clear_store as clear_store,
    runs_table as runs_table,
    track_run as track_run,
)
