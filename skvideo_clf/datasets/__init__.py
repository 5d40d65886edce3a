"""Datasets: synthetic temporal videos, class-per-folder loading, imbalance protocols."""

from ._extracted import load_extracted
from ._folder import load_video_folder, make_imbalanced, parse_ucf101_group
from ._synthetic import (
    SYNTHETIC_CLASSES,
    TEMPORAL_PAIRS,
    disaster_class_sizes,
    make_video_classification,
)

__all__ = [
    "SYNTHETIC_CLASSES",
    "TEMPORAL_PAIRS",
    "disaster_class_sizes",
    "load_extracted",
    "load_video_folder",
    "make_imbalanced",
    "make_video_classification",
    "parse_ucf101_group",
]
