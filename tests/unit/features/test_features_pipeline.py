"""encode() end to end on the sample clip with the demo variant: features, cache, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from synthetic import write_video

import vibe_widgets as vw
from vibe_widgets.engine.features.cache import FeatureCache
from vibe_widgets.errors import MediaError, StimulusError


@pytest.fixture(scope="module")
def clip() -> vw.data.SampleClip:
    return vw.sample_clip()


@pytest.fixture
def model(tmp_path: Path) -> vw.EncodingModel:
    return vw.get_encoding_model(
        vw.MODEL_ID,
        subject=1,
        model_variant="demo",
        device="cpu",
        feature_cache=FeatureCache(tmp_path / "features"),
    )


def test_encode_predicts_every_tr_and_parcel(model, clip):
    responses, meta = vw.encode(
        model, clip.transcripts, video_path=clip.video_path, return_metadata=True,
        show_progress=False,
    )  # fmt: skip
    assert isinstance(responses, torch.Tensor)
    assert responses.shape == (clip.n_tr, 1000)
    assert responses.dtype == torch.float32
    assert torch.isfinite(responses).all()
    assert meta["features"]["n_tr"] == clip.n_tr
    assert meta["features"]["cached"] == {"audio": False, "text": False, "video": False}


def test_demo_variant_says_it_is_fitted_to_simulated_responses(model):
    assert model.label == "demo: fitted to simulated responses"
    # Fitted (to simulated responses, as the label says), so not flagged as random weights.
    assert not model.untrained
    assert model.metadata["untrained"] is False
    assert model.metadata["label"] == "demo: fitted to simulated responses"
    assert "demo: fitted to simulated responses" in repr(model)


def test_transcript_edit_reextracts_only_text_and_matches_a_fresh_encode(model, clip, tmp_path):
    first = model.encode(clip.transcripts, video_path=clip.video_path, show_progress=False)
    edited = list(clip.transcripts)
    edited[12] = "A dragon lands on the roof"
    again, meta = model.encode(
        edited, video_path=clip.video_path, return_metadata=True, show_progress=False
    )
    assert meta["features"]["cached"] == {"audio": True, "text": False, "video": True}
    assert not torch.allclose(again[12], first[12])
    fresh = vw.get_encoding_model(
        vw.MODEL_ID, subject=1, model_variant="demo", device="cpu", feature_cache=False
    ).encode(edited, video_path=clip.video_path, show_progress=False)
    torch.testing.assert_close(again, fresh)


def test_corrupt_cache_entries_are_recomputed_not_returned(model, clip, tmp_path):
    first = model.encode(clip.transcripts, video_path=clip.video_path, show_progress=False)
    for entry in (tmp_path / "features").rglob("*.feat"):
        data = bytearray(entry.read_bytes())
        data[-8:] = b"\xff" * 8
        entry.write_bytes(bytes(data))
    again, meta = model.encode(
        clip.transcripts, video_path=clip.video_path, return_metadata=True, show_progress=False
    )
    assert meta["features"]["cached"] == {"audio": False, "text": False, "video": False}
    torch.testing.assert_close(again, first)


def test_wrong_transcript_count_names_both_numbers_the_duration_and_the_rule(model, clip):
    with pytest.raises(StimulusError) as info:
        model.encode(clip.transcripts[:-1], video_path=clip.video_path, show_progress=False)
    message = str(info.value)
    for fragment in ("Got 29 transcript strings", "45.250 s", "floor(45.250 / 1.49) = 30"):
        assert fragment in message


@pytest.mark.parametrize(
    ("stimulus", "fragment"),
    [("one string", "must be a list of str"), (["a", None], "stimulus[1] is NoneType")],
)
def test_stimulus_must_be_a_list_of_str(model, clip, stimulus, fragment):
    with pytest.raises(StimulusError) as info:
        model.encode(stimulus, video_path=clip.video_path, show_progress=False)
    assert fragment in str(info.value)


def test_empty_and_non_ascii_lines_are_allowed(model, clip):
    lines = ["", "café 😀 مرحبا", *clip.transcripts[2:]]
    out = model.encode(lines, video_path=clip.video_path, show_progress=False)
    assert torch.isfinite(out).all()


def test_movie_without_audio_errors_unless_silence_is_asked_for(tmp_path):
    movie = write_video(tmp_path / "silent.mp4", seconds=4, audio=False)
    lines = ["", "hello"]
    strict = vw.get_encoding_model(vw.MODEL_ID, subject=2, model_variant="demo", device="cpu")
    with pytest.raises(MediaError, match="missing_audio"):
        strict.encode(lines, video_path=movie, show_progress=False)
    lenient = vw.get_encoding_model(
        vw.MODEL_ID, subject=2, model_variant="demo", device="cpu", missing_audio="silence"
    )
    assert lenient.encode(lines, video_path=movie, show_progress=False).shape == (2, 1000)


def test_low_mem_use_unloads_each_extractor(clip, tmp_path):
    model = vw.get_encoding_model(
        vw.MODEL_ID, subject=3, model_variant="demo", device="cpu", low_mem_use=True,
        feature_cache=False,
    )  # fmt: skip
    model.encode(clip.transcripts, video_path=clip.video_path, show_progress=False)
    assert model.pipeline._extractors == {}


def test_progress_bars_name_the_stages(model, clip, capsys):
    model.encode(clip.transcripts, video_path=clip.video_path, show_progress=True)
    assert "features" in capsys.readouterr().err


def test_features_follow_the_video_content(model, tmp_path):
    a = write_video(tmp_path / "a.mp4", seconds=3.2)
    b = write_video(tmp_path / "b.mp4", seconds=3.2, size=(96, 160))
    fa = model.extract_features(["x", "y"], a, show_progress=False).features
    fb = model.extract_features(["x", "y"], b, show_progress=False).features
    assert not np.allclose(fa["video"], fb["video"])
    np.testing.assert_array_equal(fa["text"], fb["text"])


def test_clip_shorter_than_one_tr_is_refused_with_its_duration(model, tmp_path):
    short = write_video(tmp_path / "short.mp4", seconds=1.0)
    with pytest.raises(StimulusError, match=r"lasts 1\.000 s, shorter than one TR \(1\.49 s\)"):
        model.encode([], video_path=short, show_progress=False)


def test_unreadable_video_is_a_media_error_naming_the_file(model, tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(200))
    with pytest.raises(MediaError, match=r"broken\.mp4"):
        model.encode(["a"], video_path=broken, show_progress=False)


def test_a_re_encode_reads_the_movie_once_until_it_changes(model, tmp_path, monkeypatch):
    from vibe_widgets.engine.features import pipeline as pipeline_module

    reads: list[str] = []
    original = pipeline_module.file_digest

    def spy(path):
        reads.append(str(path))
        return original(path)

    monkeypatch.setattr(pipeline_module, "file_digest", spy)
    movie = write_video(tmp_path / "m.mp4", seconds=3.2)
    first = model.extract_features(["x", "y"], movie, show_progress=False)
    again = model.extract_features(["x", "z"], movie, show_progress=False)
    assert len(reads) == 1
    assert again.cached == {"audio": True, "text": False, "video": True}
    # Rewritten in place with other content: read again, and its features follow it.
    write_video(movie, seconds=3.2, size=(96, 160))
    changed = model.extract_features(["x", "y"], movie, show_progress=False)
    assert len(reads) == 2
    assert changed.cached["video"] is False
    assert not np.allclose(changed.features["video"], first.features["video"])


def test_a_transcript_edit_runs_the_text_model_on_the_suffix_only(model, clip):
    model.encode(clip.transcripts, video_path=clip.video_path, show_progress=False)
    text = model.pipeline._extractors["text"]
    lengths: list[int] = []
    text._model.register_forward_pre_hook(
        lambda module, args, kwargs: lengths.append(int(kwargs["input_ids"].shape[1])),
        with_kwargs=True,
    )
    edited = list(clip.transcripts)
    edited[-1] = "A dragon lands on the roof"
    again, meta = model.encode(
        edited, video_path=clip.video_path, return_metadata=True, show_progress=False
    )
    assert meta["features"]["cached"] == {"audio": True, "text": False, "video": True}
    assert len(lengths) == 1
    assert lengths[0] < 60  # the last line and its newline, not the ~1.4k-token prompt
    fresh = vw.get_encoding_model(
        vw.MODEL_ID, subject=1, model_variant="demo", device="cpu", feature_cache=False
    ).encode(edited, video_path=clip.video_path, show_progress=False)
    torch.testing.assert_close(again, fresh)
