"""The bad-input corpus: hostile files the tests generate, each with a clear, tested outcome.

Reader- and dataset-level cases live here; featurizer- and classifier-level ones (NaN
features, unseen labels, one class, a dataset with several bad files) sit beside the
estimators they exercise and are collected at the end of this file.
"""

import struct

import cv2
import numpy as np
import pytest

from skvideo_clf.datasets import load_video_folder
from skvideo_clf.video import VideoReadError, read_frames, read_video, video_info, write_video

pytestmark = pytest.mark.timeout(60)  # nothing here may hang

#: Every kind of bad input or fault the corpus covers -> the test that covers it
#: ("module::test"). The count is asserted below: a new kind comes with its test.
BAD_INPUT_KINDS = {
    # reader and dataset level (this file)
    "zero-byte file": "test_bad_input::test_zero_byte_file",
    "text renamed .mp4": "test_bad_input::test_text_renamed_mp4",
    "header claims more frames": "test_bad_input::test_header_claims_more_frames_than_it_has",
    "huge declared dimensions":
        "test_bad_input::test_huge_declared_dimensions_decode_at_their_true_size",
    "one-frame video": "test_bad_input::test_one_frame_video",
    "grayscale video": "test_bad_input::test_grayscale_video_reads_as_rgb",
    "unicode and spaces in paths": "test_bad_input::test_unicode_and_spaces_in_paths",
    "variable resolution": "test_bad_input::test_variable_resolution_inside_one_dataset",
    # featurizer and classifier level
    "NaN / inf features":
        "test_bad_input_estimators::test_non_finite_features_refused_by_classifiers",
    "label seen only at predict time":
        "test_bad_input_estimators::test_label_seen_only_at_predict_time_counts_as_wrong",
    "single class": "test_bad_input_estimators::test_single_class_y_refused_everywhere",
    "several bad files in a dataset": "test_bad_input_estimators::"
                                      "test_dataset_featurization_reports_every_bad_file_at_once",
    "mixed resolutions through a featurizer": "test_bad_input_estimators::"
        "test_variable_resolution_inside_one_dataset_through_a_featurizer",
    # faults (issue 15)
    "Ctrl-C during training":
        "test_faults::test_ctrl_c_during_training_aborts_unless_asked_to_stop",
    "Ctrl-C during the fit command":
        "test_faults::test_ctrl_c_during_fit_command_exits_130_and_writes_nothing",
    "flipped bit in a model file": "test_faults::test_flipped_bit_in_a_model_file_is_refused",
    "same-size file with its mtime restored":
        "test_faults::test_content_fingerprint_featurizer_recomputes_a_replaced_file",
    "cache entry copied over another":
        "test_faults::test_cache_entry_copied_over_another_is_refused",
    "CUDA-fitted model on a CPU machine":
        "test_faults::test_a_cuda_fitted_featurizer_loads_on_a_cpu_machine",
    "full or read-only cache":
        "test_faults::test_full_or_read_only_cache_warns_once_and_carries_on",
    "full disk at the model path":
        "test_faults::test_full_disk_at_the_model_path_is_exit_3_naming_it",
    "-o naming a folder": "test_faults::test_output_path_is_checked_before_any_video_is_read",
    "None or mixed-type labels":
        "test_faults::test_bad_labels_are_refused_before_any_frame_is_computed",
    "model file holding no fitted pipeline":
        "test_faults::test_a_model_file_that_holds_no_fitted_pipeline_is_exit_4",
    "one bad video among many in predict":
        "test_faults::test_predict_prints_the_good_videos_and_reports_the_bad",
    "load_extracted after a partial extract":
        "test_faults::test_load_extracted_after_a_partial_extract_names_what_is_missing",
    "macOS ._ sidecar files": "test_faults::test_macos_sidecar_files_are_not_videos",
    "--device cuda without a GPU":
        "test_faults::test_device_cuda_without_a_gpu_is_a_usage_error",
    "version-less model header":
        "test_faults::test_header_without_version_names_no_version_to_install",
    "interrupt during featurization (log)":
        "test_faults::test_interrupt_log_counts_the_frames_actually_computed",
    # issue 24
    "predict -o naming a video or the model (or a link to one)":
        "test_faults::test_predict_output_naming_an_input_is_refused",
    "fit -o naming a training video":
        "test_faults::test_fit_output_naming_a_training_video_is_refused",
    "evaluate --report-dir inside the dataset or at the model":
        "test_faults::test_evaluate_report_dir_clashing_with_an_input_is_refused",
    "extract OUT that is or lies inside the dataset":
        "test_faults::test_extract_out_inside_the_dataset_is_refused",
    "compare -o inside the dataset": "test_faults::test_compare_out_inside_the_dataset_is_refused",
    "an output folder os.access allows but no file can be created in (root)":
        "test_faults::test_output_folder_writability_is_tried_not_asked",
    "same-size video with its mtime restored under extract --fingerprint full":
        "test_faults::test_extract_fingerprint_full_recomputes_a_replaced_video",
    "multi-label label on every video, class_weight='balanced'":
        "test_faults::test_multilabel_balanced_keeps_an_always_on_label",
    "truncated video (far fewer frames decode than declared)":
        "features.test_base::test_a_truncated_video_warns_or_is_refused",
    "class folder that is a symbolic link to the data root":
        "test_faults::test_class_folder_linked_to_the_data_root_is_refused_naming_both_paths",
    "unknown --backbone":
        "cli.test_cli::test_unknown_backbone_is_a_usage_error_listing_the_known_ones",
    "--backbone of an optional package that is not installed":
        "cli.test_cli::test_backbone_of_a_missing_package_prints_the_install_command",
    "unknown lowlevel: descriptor":
        "cli.test_cli::test_unknown_lowlevel_descriptor_is_a_usage_error",
    "user nn.Module giving the wrong number of rows":
        "features.test_backbones::test_a_module_with_the_wrong_output_is_named_not_the_videos",
    "fit command on a single class":
        "test_faults::test_fit_on_a_single_class_is_exit_3_with_one_message",
    "model file holding a plain estimator (no featurizer)":
        "test_faults::test_model_file_holding_a_plain_estimator_is_exit_4",
    "model header that is a JSON list":
        "test_faults::test_model_header_that_is_a_json_list_is_exit_4",
    "model file of a newer format (SKVIDEO-CLF-MODEL 2)":
        "test_faults::test_model_file_of_a_newer_format_says_upgrade",
    "model header without a payload digest":
        "test_faults::test_model_header_without_a_digest_is_refused",
    "full disk under extract": "test_faults::test_full_disk_under_extract_names_the_file",
    "full disk under compare -o":
        "test_faults::test_full_disk_under_compare_names_the_report_folder",
    "model fitted with a relative --cache": "test_faults::test_relative_cache_is_stored_resolved",
    "float16 CUDA model rebuilt in n_jobs workers on a CPU":
        "test_faults::test_a_float16_cuda_featurizer_rebuilds_in_float32_in_workers",
    "exit codes as documented": "cli.test_cli::test_the_exit_code_table_is_what_the_commands_do",
}


def test_the_corpus_counts_its_kinds_and_each_has_its_test():
    import importlib

    # 13 kinds before issue 15; it added at least its nine; issue 24 asks for 45 or more
    assert len(BAD_INPUT_KINDS) >= 45
    for kind, where in BAD_INPUT_KINDS.items():
        module, name = where.split("::")
        assert callable(getattr(importlib.import_module(module), name, None)), kind


def _mjpg(path, n=10, size=(16, 16)):
    frames = [np.full((*size, 3), 8 * i, np.uint8) for i in range(n)]
    return write_video(path, frames)


def _patch_avi(path, out, *, total_frames=None, size=None):
    """Rewrite AVI header fields (frame count in avih/strh, size in avih/strf)."""
    data = bytearray(open(path, "rb").read())
    avih, strh, strf = data.find(b"avih"), data.find(b"strh"), data.find(b"strf")
    if total_frames is not None:
        struct.pack_into("<I", data, avih + 8 + 16, total_frames)
        struct.pack_into("<I", data, strh + 8 + 32, total_frames)
    if size is not None:
        struct.pack_into("<II", data, avih + 8 + 32, *size)
        struct.pack_into("<ii", data, strf + 8 + 4, *size)
    out.write_bytes(bytes(data))
    return out


def test_zero_byte_file(tmp_path):
    path = tmp_path / "zero.mp4"
    path.write_bytes(b"")
    with pytest.raises(VideoReadError, match=r"zero\.mp4.*zero-byte"):
        list(read_frames(path))


def test_text_renamed_mp4(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("not a video at all\n" * 50)
    with pytest.raises(VideoReadError, match=r"notes\.mp4.*could not be opened"):
        read_video(path)


def test_header_claims_more_frames_than_it_has(tmp_path):
    src = _mjpg(tmp_path / "ten.avi", n=10)
    liar = _patch_avi(src, tmp_path / "liar.avi", total_frames=500)
    assert cv2.VideoCapture(str(liar)).get(cv2.CAP_PROP_FRAME_COUNT) == 500
    info = video_info(liar)
    assert (info.declared_frames, info.n_frames) == (500, 10)
    with pytest.raises(VideoReadError, match=r"liar\.avi.*frame 200 requested but only 10"):
        list(read_frames(liar, [0, 200]))


def test_huge_declared_dimensions_decode_at_their_true_size(tmp_path):
    src = _mjpg(tmp_path / "small.avi", n=3)
    huge = _patch_avi(src, tmp_path / "huge.avi", size=(60000, 60000))
    # The container lies; the decoded JPEG frames are 16x16 and nothing allocates 60000^2.
    frames = read_video(huge)
    assert frames.shape == (3, 16, 16, 3)


def test_one_frame_video(tmp_path):
    path = _mjpg(tmp_path / "one.avi", n=1)
    assert video_info(path).n_frames == 1
    assert read_video(path, [0, 0, 0]).shape == (3, 16, 16, 3)


def test_grayscale_video_reads_as_rgb(tmp_path):
    path = str(tmp_path / "gray.avi")
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), 10, (16, 12), isColor=False)
    for i in range(4):
        writer.write(np.full((12, 16), 40 * i, np.uint8))
    writer.release()
    frames = read_video(path)
    assert frames.shape == (4, 12, 16, 3)
    assert np.allclose(frames[..., 0], frames[..., 1], atol=2)  # grey stays grey


def test_unicode_and_spaces_in_paths(tmp_path):
    folder = tmp_path / "vidéos à trier" / "saut en hauteur"
    folder.mkdir(parents=True)
    path = _mjpg(folder / "v_saut en hauteur_g01_c01.avi", n=5)
    assert video_info(path).n_frames == 5
    videos, y, groups = load_video_folder(tmp_path / "vidéos à trier", return_groups=True)
    assert videos == [path] and y.tolist() == ["saut en hauteur"]
    assert groups.tolist() == ["g01"]


def test_variable_resolution_inside_one_dataset(tmp_path):
    for cls, size in (("a", (16, 16)), ("b", (24, 40))):
        (tmp_path / cls).mkdir()
        _mjpg(tmp_path / cls / "clip.avi", n=3, size=size)
    videos, _ = load_video_folder(tmp_path)
    assert [read_video(v).shape[1:3] for v in videos] == [(16, 16), (24, 40)]
