"""encode_many, local backend: outputs, metadata, resume, per-item failures, the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from synthetic import write_video

import vibe_widgets as vw
from vibe_widgets.engine.digest import file_digest
from vibe_widgets.engine.features.cache import FeatureCache
from vibe_widgets.engine.scale import (
    EncodeItem,
    ModelSpec,
    collect_items,
    encode_many,
    read_transcript_file,
)
from vibe_widgets.engine.scale.work import extract_modalities, prepare_job
from vibe_widgets.errors import InvalidParameterError, StimulusError

SPEC = {"model_variant": "demo", "subject": 1}
TR = 1.49


def _lines(n: int, tag: str) -> list[str]:
    return [f"{tag} line {i}" if i % 3 else "" for i in range(n)]


def _clip(folder: Path, name: str, seconds: float, fmt: str = "json") -> list[str]:
    """A movie plus its transcript saved beside it the way TranscriptEditor saves it."""
    write_video(folder / f"{name}.mp4", seconds=seconds, size=(64, 48), fps=12)
    lines = _lines(int(seconds / TR), name)
    vw.TranscriptEditor(lines, tr=TR).save(folder / f"{name}.{fmt}")
    return lines


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("clips")
    _clip(folder, "alpha", 4.6, "json")
    _clip(folder, "beta", 6.1, "tsv")
    return folder


def _copy(clips: Path, dest: Path) -> Path:
    dest.mkdir()
    for f in clips.iterdir():
        (dest / f.name).write_bytes(f.read_bytes())
    return dest


def test_outputs_equal_sequential_encode_and_carry_metadata(clips, tmp_path):
    result = encode_many(SPEC, clips, tmp_path / "out", show_progress=False)
    assert sorted(result.done) == ["alpha", "beta"]
    assert not result.failed
    assert not result.skipped

    reference = vw.get_encoding_model(
        vw.MODEL_ID, subject=1, model_variant="demo", device="cpu",
        feature_cache=FeatureCache(tmp_path / "fresh"),
    )  # fmt: skip
    for name in ("alpha", "beta"):
        transcripts = read_transcript_file(next(clips.glob(f"{name}.[jt]s*")))
        expected = vw.encode(reference, transcripts, clips / f"{name}.mp4", show_progress=False)
        array = result.load(name)
        assert array.dtype == np.float32
        np.testing.assert_array_equal(array, expected.numpy())

        meta = json.loads((tmp_path / "out" / f"{name}.json").read_text())
        assert meta["variant"] == "demo"
        assert meta["subject"] == 1
        assert meta["tr"] == TR
        assert meta["label"] == reference.label
        assert meta["package_version"] == "0.1.0"
        assert meta["video_blake2b"] == file_digest(clips / f"{name}.mp4")
        assert meta["shape"] == [len(transcripts), 1000]
        assert meta["parcel_indices"] is None

    summary = json.loads((tmp_path / "out" / "encode-many-summary.json").read_text())
    assert summary["done"] == result.done
    assert result.movie_seconds == pytest.approx(4.6 + 6.1, abs=0.2)
    assert result.seconds_per_movie_minute > 0
    assert set(result.modality_seconds) == {"audio", "text", "video"}


def test_loaded_model_with_a_selection_writes_only_those_parcels(clips, tmp_path):
    model = vw.get_encoding_model(
        vw.MODEL_ID, subject=2, model_variant="demo", device="cpu", selection={"roi": ["Vis"]}
    )
    result = encode_many(model, [clips / "alpha.mp4"], tmp_path / "out", show_progress=False)
    meta = json.loads((tmp_path / "out" / "alpha.json").read_text())
    assert meta["subject"] == 2
    assert meta["selection_rois"] == ["Vis"]
    assert meta["parcel_indices"] == model.parcel_indices.tolist()
    assert result.load("alpha").shape == (3, model.n_outputs)
    assert model.n_outputs < 1000


def test_resume_skips_finished_items_and_redoes_changed_inputs_or_settings(clips, tmp_path):
    folder = _copy(clips, tmp_path / "clips")
    out = tmp_path / "out"
    first = encode_many(SPEC, folder, out, show_progress=False)
    assert sorted(first.done) == ["alpha", "beta"]
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.npy")}
    before = first.load("alpha")

    again = encode_many(SPEC, folder, out, show_progress=False)
    assert again.done == []
    assert sorted(again.skipped) == ["alpha", "beta"]
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.npy")} == stamps

    # An edited transcript changes that item's inputs: only it is encoded again.
    editor = vw.TranscriptEditor.load(folder / "alpha.json")
    editor.transcripts = ["a new first line", *editor.transcripts[1:]]
    editor.save(folder / "alpha.json")
    edited = encode_many(SPEC, folder, out, show_progress=False)
    assert edited.done == ["alpha"]
    assert edited.skipped == ["beta"]
    assert not np.array_equal(np.load(out / "alpha.npy"), before)

    # Another subject is another setting: everything is redone; so is resume=False.
    other = encode_many({**SPEC, "subject": 3}, folder, out, show_progress=False)
    assert sorted(other.done) == ["alpha", "beta"]
    forced = encode_many({**SPEC, "subject": 3}, folder, out, resume=False, show_progress=False)
    assert sorted(forced.done) == ["alpha", "beta"]


def test_a_truncated_output_is_not_counted_as_done(clips, tmp_path):
    out = tmp_path / "out"
    encode_many(SPEC, [clips / "alpha.mp4"], out, show_progress=False)
    data = (out / "alpha.npy").read_bytes()
    (out / "alpha.npy").write_bytes(data[: len(data) // 2])
    again = encode_many(SPEC, [clips / "alpha.mp4"], out, show_progress=False)
    assert again.done == ["alpha"]
    assert np.load(out / "alpha.npy").shape == (3, 1000)


def test_failing_items_are_recorded_and_the_others_finish(clips, tmp_path):
    folder = _copy(clips, tmp_path / "clips")
    write_video(folder / "orphan.mp4", seconds=3.0, size=(64, 48), fps=12)
    vw.TranscriptEditor(["one", "two", "three"], tr=TR).save(folder / "short.json")
    write_video(folder / "short.mp4", seconds=6.1, size=(64, 48), fps=12)
    (folder / "broken.mp4").write_bytes(b"not a movie at all")
    (folder / "broken.json").write_text(json.dumps({"transcripts": ["x"]}))
    out = tmp_path / "out"
    result = encode_many(SPEC, folder, out, show_progress=False)

    assert sorted(result.done) == ["alpha", "beta"]
    assert sorted(result.failed) == ["broken", "orphan", "short"]
    assert "orphan.json" in result.failed["orphan"]
    assert "orphan.tsv" in result.failed["orphan"]
    assert "3 transcript strings" in result.failed["short"]
    assert "4 TRs" in result.failed["short"]
    assert "broken.mp4" in result.failed["broken"]
    record = json.loads((out / "short.error.json").read_text())
    assert record["error_type"] == "StimulusError"
    assert record["traceback"]
    assert "FAILED short" in str(result)

    # Fixing the input and rerunning encodes it, skips the rest and clears its record.
    vw.TranscriptEditor(["one", "two", "three", "four"], tr=TR).save(folder / "short.json")
    fixed = encode_many(SPEC, folder, out, show_progress=False)
    assert fixed.done == ["short"]
    assert sorted(fixed.skipped) == ["alpha", "beta"]
    assert not (out / "short.error.json").exists()


def test_split_extraction_fills_the_cache_under_the_pipeline_keys(clips, tmp_path):
    # The Ray backend extracts video and text+audio on different workers; the worker that
    # predicts must then find all three under the keys FeaturePipeline.extract uses.
    model = ModelSpec("demo", 1, device="cpu").load(FeatureCache(tmp_path / "features"))
    [item] = collect_items([clips / "beta.mp4"])
    job = prepare_job(item, TR)
    assert set(extract_modalities(model.pipeline, job, ["video"])) == {"video"}
    assert set(extract_modalities(model.pipeline, job, ["text", "audio"])) == {"text", "audio"}
    extracted = model.extract_features(list(job.transcripts), job.video_path, show_progress=False)
    assert extracted.cached == {"audio": True, "text": True, "video": True}


def test_item_forms_and_their_errors(clips, tmp_path):
    lines = _lines(3, "alpha")
    items = collect_items(
        [
            (clips / "alpha.mp4", lines),
            {"video": clips / "alpha.mp4", "transcripts": clips / "alpha.json", "name": "a2"},
            EncodeItem("a3", clips / "alpha.mp4", tuple(lines)),
            clips / "beta.mp4",
        ]
    )
    assert [i.name for i in items] == ["alpha", "a2", "a3", "beta"]
    assert items[0].transcripts == items[1].transcripts == items[2].transcripts

    with pytest.raises(InvalidParameterError, match="Two items are named 'alpha'"):
        collect_items([clips / "alpha.mp4", (clips / "alpha.mp4", lines)])
    with pytest.raises(InvalidParameterError, match="cannot name an output file"):
        collect_items([{"video": clips / "alpha.mp4", "name": "../up"}])
    with pytest.raises(StimulusError, match=r"item 'alpha' transcripts\[1\] is int"):
        collect_items([(clips / "alpha.mp4", ["a", 2])])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidParameterError, match="holds no video"):
        collect_items(tmp_path / "empty")
    with pytest.raises(InvalidParameterError, match="backend must be one of"):
        encode_many(SPEC, clips, tmp_path / "out", backend="slurm")
    with pytest.raises(InvalidParameterError, match="needs 'model_variant' and 'subject'"):
        encode_many({"model_variant": "demo"}, clips, tmp_path / "out")
    with pytest.raises(InvalidParameterError, match="Invalid subject 4"):
        encode_many({**SPEC, "subject": 4}, clips, tmp_path / "out")


def test_transcript_files_read_back_what_the_editor_saves(tmp_path):
    lines = ["tab\there", "new\nline", "back\\slash", "", "ünïcödé"]
    editor = vw.TranscriptEditor(lines, tr=TR)
    for suffix in ("json", "tsv"):
        assert read_transcript_file(editor.save(tmp_path / f"t.{suffix}")) == lines
    (tmp_path / "t.txt").write_text("hello")
    with pytest.raises(StimulusError, match=r"transcripts are saved and loaded as \.json or \.tsv"):
        read_transcript_file(tmp_path / "t.txt")
    (tmp_path / "bad.tsv").write_text("index\ttext\n0\thello\n")
    with pytest.raises(StimulusError, match=r"must start with the header line .*tab-separated"):
        read_transcript_file(tmp_path / "bad.tsv")


def test_cli_killed_mid_run_resumes_without_redoing_finished_movies(tmp_path):
    folder = tmp_path / "clips"
    folder.mkdir()
    names = [f"m{i}" for i in range(5)]
    for name in names:
        _clip(folder, name, 4.6)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "vibe_widgets", "encode-many", str(folder), "--out",
               str(out), "--variant", "demo", "--subject", "1", "--quiet"]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while not list(out.glob("m*.json")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = sorted(p.stem for p in out.glob("m*.json"))
    assert finished, proc.stdout.read().decode()
    assert len(finished) < len(names), "the run ended before the kill: nothing was interrupted"
    stamps = {n: (out / f"{n}.npy").stat().st_mtime_ns for n in finished}

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"done {len(names) - len(finished)}, skipped {len(finished)}, failed 0" in rerun.stdout
    assert {n: (out / f"{n}.npy").stat().st_mtime_ns for n in finished} == stamps
    for name in names:
        assert np.load(out / f"{name}.npy").shape == (3, 1000)


def test_cli_reports_bad_arguments_with_status_2(tmp_path, capsys):
    from vibe_widgets.__main__ import main

    status = main(["encode-many", str(tmp_path), "--out", str(tmp_path / "o"),
                   "--variant", "demo", "--subject", "1", "--quiet"])  # fmt: skip
    assert status == 2
    assert "holds no video" in capsys.readouterr().err
