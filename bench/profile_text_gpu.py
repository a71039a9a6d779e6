"""Where a text extraction spends its time: tokenising, the model forward, pooling.

``bench_gpu.py`` found that on an H200 a mid-transcript edit of a 400-TR transcript
re-encodes in 0.50 s against 0.60 s for a full pass with a Qwen2.5-14B-sized model, although
the resumed pass runs half the tokens. This script splits one extraction into its parts
(same random-weight model behind the extractor's own load as ``bench_gpu.py``) and prints
the operators that take the most device and host time (``torch.profiler``).

Usage: ``python bench/profile_text_gpu.py --device cuda [--n-tr 400]``, or ``--quick`` on a
CPU with a tiny config (keeps the script working).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import torch
from bench_gpu import (
    PUBLISHED_EXTRACTOR_CONFIGS,
    QUICK_CONFIGS,
    median,
    random_weights,
    sync,
    text_folder,
    timed,
)

from vibe_widgets.engine.demo.clips import _WORDS
from vibe_widgets.engine.features.text import (
    TextFeatureExtractor,
    assign_tokens_to_trs,
    build_prompt,
    pool_by_tr,
)


def _lines(n_tr: int) -> list[str]:
    rng = np.random.default_rng(0)
    return [
        " ".join(rng.choice(_WORDS, int(rng.integers(2, 6)))) if rng.random() < 0.6 else ""
        for _ in range(n_tr)
    ]


def _time(fn, device, repeats=3):
    """Last output and median seconds of ``repeats`` synchronised calls (bench_gpu's timer)."""
    runs = [timed(fn, device) for _ in range(repeats)]
    return runs[-1][0], median([seconds for _, seconds in runs])


def main() -> int:
    from transformers import AutoModelForCausalLM, Qwen2ForCausalLM

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--n-tr", type=int, default=400)
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        print("profile_text_gpu: --device cuda but no CUDA device")
        return 1
    device = torch.device(args.device)
    configs = QUICK_CONFIGS if args.quick else PUBLISHED_EXTRACTOR_CONFIGS
    lines = _lines(args.n_tr)
    edited = list(lines)
    edited[args.n_tr // 2] = "A dragon lands on the roof and everyone runs"
    with tempfile.TemporaryDirectory() as tmp:
        folder = text_folder(Path(tmp), configs)
        extractor = TextFeatureExtractor(
            folder, dtype=torch.float16, device=device, local_files_only=True
        )
        with random_weights(AutoModelForCausalLM, Qwen2ForCausalLM, device, {}):
            extractor.load()
        tokenizer = extractor._load_tokenizer()
        prompt, spans = build_prompt(lines)
        encoding, t_tok = _time(
            lambda: tokenizer(prompt, return_offsets_mapping=True, verbose=False), device
        )
        ids = np.asarray(encoding["input_ids"], dtype=np.int64)
        offsets = np.asarray(encoding["offset_mapping"], dtype=np.int64)
        assignment, t_assign = _time(lambda: assign_tokens_to_trs(offsets, spans), device)
        extractor.reuse_prefix = False
        extractor.extract(lines)  # warm-up
        hidden, t_fwd = _time(lambda: extractor._forward(ids), device)
        _, t_pool = _time(lambda: pool_by_tr(hidden, assignment, args.n_tr), device)
        model = extractor._model
        x = torch.as_tensor(ids, device=device)[None]

        def bare(n_tokens):
            with torch.inference_mode():
                return model.model(input_ids=x[:, :n_tokens], output_hidden_states=True)

        _, t_bare = _time(lambda: bare(len(ids)), device)
        _, t_bare_half = _time(lambda: bare(len(ids) // 2), device)
        _, t_full = _time(lambda: extractor.extract(lines), device)
        extractor.reuse_prefix = True
        extractor.extract(lines)

        def edit_and_back():
            extractor.extract(edited)
            return extractor.extract(lines)

        _, t_two_edits = _time(edit_and_back, device)
        print(f"{len(ids)} tokens, {args.n_tr} TRs, {device}")
        for name, value in [
            ("tokenise", t_tok),
            ("assign tokens to TRs", t_assign),
            ("extractor._forward (full)", t_fwd),
            ("pool_by_tr", t_pool),
            ("bare model forward, all tokens", t_bare),
            ("bare model forward, half the tokens", t_bare_half),
            ("extract, full pass", t_full),
            ("extract after a mid edit (mean of 2)", t_two_edits / 2),
        ]:
            print(f"{name:<40} {value * 1000:9.1f} ms")
        activities = [torch.profiler.ProfilerActivity.CPU]
        if device.type == "cuda":
            activities.append(torch.profiler.ProfilerActivity.CUDA)
        for label, reuse, text in [("full pass", False, lines), ("mid edit", True, edited)]:
            extractor.reuse_prefix = True
            extractor.extract(lines)
            extractor.reuse_prefix = reuse
            with torch.profiler.profile(activities=activities) as prof:
                extractor.extract(text)
                sync(device)
            key = "cuda_time_total" if device.type == "cuda" else "cpu_time_total"
            print(f"\n== {label}: top operators by {key}")
            print(prof.key_averages().table(sort_by=key, row_limit=12, max_name_column_width=50))
            print(f"== {label}: top operators by self_cpu_time_total")
            print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=8,
                                            max_name_column_width=50))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
