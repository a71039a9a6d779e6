"""Make the bundled sample clip in ``vibe_widgets/data/sample/``.

The clip is a short invented story (a walk from a sunny beach through a dark forest and a
city at night to a sunrise) told by a synthetic voice over simple animated scenes. Every
piece of it is generated here, so the result is CC0-1.0.

Outputs (in ``--out``, default ``vibe_widgets/data/sample``):

* ``sample.mp4``       H.264 (yuv420p, 480x270, 24 fps CFR) + AAC (mono, 44.1 kHz).
* ``transcript.json``  ``{"tr", "n_tr", "duration", "transcripts", "source", "licence"}``.
* ``transcript.tsv``   ``tr_index  onset  offset  text`` (one row per TR; onset/offset in s).

The speech is placed on the model's TR grid (TR = 1.49 s): each TR holds either one short
phrase that starts and ends inside that TR, or silence (transcript ``""``). The frames show
the current TR's text and a TR counter in a corner, which makes sync easy to check by eye.
The script ends with a self-check that decodes the written file and verifies, TR by TR,
that speech energy is present exactly where the transcript says so.

Requirements: ``espeak-ng`` on PATH (Debian/Ubuntu: ``apt-get install espeak-ng``),
PyAV (``av``), numpy and Pillow.

Usage::

    python scripts/make_sample_clip.py [--out vibe_widgets/data/sample]
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

TR = 1.49
N_TR = 30
FPS = 24
# 1086 frames = 45.25 s = N_TR * TR + 0.55 s, so floor(duration / TR) == N_TR unambiguously;
# an even frame count also makes the 44.1 kHz sample count an integer.
N_FRAMES = 1086
DURATION = N_FRAMES / FPS
WIDTH, HEIGHT = 480, 270
AUDIO_RATE = 44100
ESPEAK_RATE = 22050
SEED = 20240611
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "vibe_widgets" / "data" / "sample"

SPEECH_LEAD = 0.05  # speech starts this long after the TR onset
SPEECH_GUARD = 0.08  # and must end at least this long before the TR offset
MAX_SPEECH = TR - SPEECH_LEAD - SPEECH_GUARD
TRIM_THRESHOLD = 500 / 32768  # |amplitude| that counts as speech when trimming espeak output
EDGE_PAD = 0.01  # keep this much around the trimmed speech
FADE = 0.005
ESPEAK_RATES = range(165, 400, 10)  # words per minute, tried in order until a phrase fits

CRF = 30
AUDIO_BITRATE = 48_000

# One entry per TR; "" is a pause. Scene cuts are at TR 7, 15 and 22.
TRANSCRIPTS: list[str] = [
    # beach, TR 0-6
    "",
    "The sun is bright",
    "Waves roll onto the sand",
    "A white gull circles",
    "I walk along the shore",
    "toward the tall trees",
    "",
    # forest, TR 7-14
    "The forest is dark",
    "Tall pines sway slowly",
    "",
    "Green fireflies drift",
    "An owl calls softly",
    "The path leads downhill",
    "to the city lights",
    "",
    # city at night, TR 15-21
    "The city glows at night",
    "Red cars rush past",
    "Windows shine yellow",
    "",
    "A train crosses the bridge",
    "I wait for morning",
    "",
    # sunrise, TR 22-29
    "The sky turns orange",
    "A red balloon rises",
    "higher and higher",
    "",
    "Birds begin to sing",
    "The long night is over",
    "Goodbye for now",
    "",
]
SCENE_STARTS = (0, 7, 15, 22)  # first TR of each scene


@dataclass(frozen=True)
class Phrase:
    tr_index: int
    text: str
    rate: int
    samples: np.ndarray  # float64 mono at AUDIO_RATE, trimmed, faded

    @property
    def seconds(self) -> float:
        return len(self.samples) / AUDIO_RATE


# --------------------------------------------------------------------------- speech


def require_espeak() -> str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        sys.exit(
            "error: espeak-ng not found on PATH. Install it (Debian/Ubuntu: "
            "`apt-get install espeak-ng`) and run this script again."
        )
    return exe


def espeak_version(exe: str) -> str:
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def synthesize(exe: str, text: str, rate: int, workdir: Path) -> np.ndarray:
    """Run espeak-ng and return its mono output as float64 in [-1, 1] at ESPEAK_RATE."""
    wav_path = workdir / "phrase.wav"
    subprocess.run(
        [exe, "-w", str(wav_path), "-s", str(rate), "-v", "en", text],
        check=True,
        capture_output=True,
    )
    with wave.open(str(wav_path)) as w:
        if w.getframerate() != ESPEAK_RATE or w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise RuntimeError(f"unexpected espeak-ng wav format for {text!r}")
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return pcm.astype(np.float64) / 32768.0


def trim_silence(x: np.ndarray, rate: int) -> np.ndarray:
    """Cut leading/trailing samples below TRIM_THRESHOLD, keep EDGE_PAD, fade the ends."""
    loud = np.flatnonzero(np.abs(x) > TRIM_THRESHOLD)
    if loud.size == 0:
        raise RuntimeError("espeak-ng produced no audible output")
    pad = round(EDGE_PAD * rate)
    y = x[max(loud[0] - pad, 0) : min(loud[-1] + pad + 1, len(x))].copy()
    n_fade = round(FADE * rate)
    ramp = np.linspace(0.0, 1.0, n_fade)
    y[:n_fade] *= ramp
    y[-n_fade:] *= ramp[::-1]
    return y


def upsample2(x: np.ndarray) -> np.ndarray:
    """Band-limited 2x upsampling (22050 -> 44100 Hz) by zero-padding the spectrum."""
    n = len(x)
    spec = np.fft.rfft(x)
    padded = np.zeros(n + 1, dtype=complex)
    padded[: len(spec)] = spec
    return np.fft.irfft(padded, 2 * n) * 2.0


def make_phrase(exe: str, tr_index: int, text: str, workdir: Path) -> Phrase:
    """Synthesize ``text`` at the slowest espeak rate whose trimmed output fits in a TR."""
    for rate in ESPEAK_RATES:
        trimmed = trim_silence(synthesize(exe, text, rate, workdir), ESPEAK_RATE)
        if len(trimmed) / ESPEAK_RATE <= MAX_SPEECH:
            return Phrase(tr_index, text, rate, upsample2(trimmed))
    raise RuntimeError(f"cannot fit {text!r} into one TR even at {ESPEAK_RATES[-1]} wpm")


def build_speech(exe: str) -> tuple[np.ndarray, list[Phrase]]:
    """Return the full audio track (float64, AUDIO_RATE) and the placed phrases."""
    n_samples = round(DURATION * AUDIO_RATE)
    track = np.zeros(n_samples)
    phrases: list[Phrase] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, text in enumerate(TRANSCRIPTS):
            if not text:
                continue
            phrase = make_phrase(exe, i, text, Path(tmp))
            start = round((i * TR + SPEECH_LEAD) * AUDIO_RATE)
            track[start : start + len(phrase.samples)] += phrase.samples
            phrases.append(phrase)
    peak = float(np.max(np.abs(track)))
    if peak > 0.95:
        track *= 0.95 / peak
    return track, phrases


# --------------------------------------------------------------------------- pictures

Rgb = tuple[int, int, int]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def vertical_gradient(top: Rgb, bottom: Rgb, height: int = HEIGHT) -> np.ndarray:
    t = np.linspace(0.0, 1.0, height)[:, None, None]
    col = (1 - t) * np.array(top, float) + t * np.array(bottom, float)
    return np.broadcast_to(col, (height, WIDTH, 3)).astype(np.uint8)


def v_bird(
    draw: ImageDraw.ImageDraw, x: float, y: float, span: float, flap: float, fill: Rgb
) -> None:
    dy = span * 0.35 * flap
    draw.line([(x - span, y - dy), (x, y), (x + span, y - dy)], fill=fill, width=2)


def beach_background() -> Image.Image:
    arr = vertical_gradient((110, 175, 235), (200, 230, 250)).copy()
    arr[150:200] = vertical_gradient((40, 120, 190), (70, 160, 200), 50)
    arr[200:] = vertical_gradient((235, 215, 160), (215, 190, 130), HEIGHT - 200)
    return Image.fromarray(arr)


def draw_beach(img: Image.Image, t: float, state: dict) -> None:
    d = ImageDraw.Draw(img)
    r = 26 + 2 * math.sin(t * 1.5)
    d.ellipse([380 - r, 55 - r, 380 + r, 55 + r], fill=(255, 225, 80))
    for k in range(3):  # waves: white crests moving towards the shore
        y = 160 + ((t * 12 + k * 14) % 40)
        pts = [(x, y + 3 * math.sin(x / 25 + t * 2 + k)) for x in range(0, WIDTH + 1, 12)]
        d.line(pts, fill=(235, 245, 255), width=2)
    gx = 240 + 90 * math.cos(t * 0.8)
    gy = 80 + 30 * math.sin(t * 0.8)
    v_bird(d, gx, gy, 12, math.sin(t * 8), (250, 250, 250))
    wx = 40 + t * 30  # a walker crossing the sand
    d.ellipse([wx - 5, 205, wx + 5, 215], fill=(60, 40, 30))
    d.rectangle([wx - 3, 215, wx + 3, 240], fill=(60, 40, 30))


def forest_background(rng: np.random.Generator) -> tuple[Image.Image, list[tuple[float, float]]]:
    """Sky, ground and trunks; the crowns are drawn per frame so that they can sway."""
    img = Image.fromarray(vertical_gradient((10, 35, 25), (25, 60, 30)))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 225, WIDTH, HEIGHT], fill=(30, 45, 20))
    trees = [(float(x), float(rng.uniform(140, 190))) for x in rng.uniform(0, WIDTH, 7)]
    for x, h in trees:
        d.rectangle([x - 6, 225 - h * 0.3, x + 6, 232], fill=(55, 35, 20))
    return img, trees


def draw_forest(img: Image.Image, t: float, state: dict) -> None:
    d = ImageDraw.Draw(img)
    for x, h in state["trees"]:
        sway = 6 * math.sin(t * 1.1 + x / 40)
        crown = [(x - 35, 225 - h * 0.3), (x + 35, 225 - h * 0.3), (x + sway, 225 - h)]
        d.polygon(crown, fill=(15, 70, 35))
    flies = state["flies"]
    for k, (x0, y0, ph) in enumerate(flies):
        x = (x0 + 8 * t + 15 * math.sin(t * 0.9 + ph)) % WIDTH
        y = y0 + 10 * math.sin(t * 1.3 + ph * 2)
        glow = 2 + (k % 2)
        d.ellipse([x - glow, y - glow, x + glow, y + glow], fill=(200, 255, 90))
    blink = (t % 3.0) < 0.15  # owl eyes in a tree, blinking every 3 s
    if not blink:
        for ex in (300, 312):
            d.ellipse([ex - 4, 96, ex + 4, 104], fill=(255, 210, 60))


def city_background(rng: np.random.Generator) -> tuple[Image.Image, list[tuple]]:
    img = Image.fromarray(vertical_gradient((5, 8, 30), (25, 30, 70)))
    d = ImageDraw.Draw(img)
    for x, y in zip(rng.uniform(0, WIDTH, 40), rng.uniform(0, 110, 40), strict=True):
        d.point((x, y), fill=(230, 230, 255))
    windows: list[tuple] = []
    x = 0
    while x < WIDTH:
        w = int(rng.integers(40, 70))
        top = int(rng.integers(90, 170))
        d.rectangle([x, top, x + w - 4, 230], fill=(20, 20, 35))
        for wy in range(top + 8, 222, 14):
            for wx in range(x + 6, x + w - 12, 12):
                windows.append((wx, wy, float(rng.uniform(0, 2 * math.pi))))
        x += w
    d.rectangle([0, 230, WIDTH, HEIGHT], fill=(35, 35, 45))
    d.line([(0, 250), (WIDTH, 250)], fill=(200, 200, 120), width=1)
    return img, windows


def draw_city(img: Image.Image, t: float, state: dict) -> None:
    d = ImageDraw.Draw(img)
    for wx, wy, ph in state["windows"]:
        if math.sin(t * 0.5 + ph) > -0.3:
            d.rectangle([wx, wy, wx + 5, wy + 6], fill=(250, 210, 90))
    d.rectangle([0, 120, WIDTH, 126], fill=(60, 60, 80))  # the bridge deck
    tx = -160 + t * 45  # the train on the bridge
    d.rectangle([tx, 106, tx + 150, 120], fill=(90, 95, 120))
    for k in range(10):
        d.rectangle([tx + 6 + 14 * k, 109, tx + 14 + 14 * k, 115], fill=(255, 240, 170))
    for k in range(3):  # cars' tail lights
        cx = (k * 170 + t * 70) % (WIDTH + 40) - 20
        d.ellipse([cx, 252, cx + 6, 258], fill=(255, 40, 40))
        d.ellipse([cx + 16, 252, cx + 22, 258], fill=(255, 40, 40))


def sunrise_background() -> Image.Image:
    return Image.fromarray(vertical_gradient((70, 40, 110), (250, 150, 70)))


def draw_sunrise(img: Image.Image, t: float, state: dict) -> None:
    d = ImageDraw.Draw(img)
    sy = 215 - t * 7
    d.ellipse([240 - 35, sy - 35, 240 + 35, sy + 35], fill=(255, 210, 90))
    d.ellipse([-120, 200, WIDTH + 120, 420], fill=(60, 120, 50))  # the hill
    bx = 120 + 10 * math.sin(t * 0.7)
    by = 230 - t * 12
    d.line([(bx, by + 18), (bx, by + 34)], fill=(80, 50, 40), width=1)
    d.ellipse([bx - 14, by - 18, bx + 14, by + 18], fill=(215, 30, 40))
    for k in range(4):
        x = (t * 35 + k * 60) % (WIDTH + 60) - 30
        y = 60 + 12 * k + 4 * math.sin(t * 2 + k)
        v_bird(d, x, y, 8, math.sin(t * 9 + k), (40, 30, 50))


@dataclass
class Scene:
    background: Image.Image
    draw: Callable[[Image.Image, float, dict], None]
    state: dict
    start_tr: int


def make_scenes() -> list[Scene]:
    rng = np.random.default_rng(SEED)
    flies = [
        (float(rng.uniform(0, WIDTH)), float(rng.uniform(60, 210)), float(rng.uniform(0, 6)))
        for _ in range(14)
    ]
    forest, trees = forest_background(rng)
    city, windows = city_background(rng)
    starts = SCENE_STARTS
    return [
        Scene(beach_background(), draw_beach, {}, starts[0]),
        Scene(forest, draw_forest, {"flies": flies, "trees": trees}, starts[1]),
        Scene(city, draw_city, {"windows": windows}, starts[2]),
        Scene(sunrise_background(), draw_sunrise, {}, starts[3]),
    ]


def scene_for_tr(scenes: list[Scene], tr_index: int) -> Scene:
    return [s for s in scenes if s.start_tr <= tr_index][-1]


def draw_overlay(img: Image.Image, t: float, tr_index: int, font: Font, small_font: Font) -> None:
    d = ImageDraw.Draw(img)
    counter = f"TR {tr_index} · {t:4.1f} s"
    d.rectangle([4, 4, 8 + d.textlength(counter, font=small_font), 22], fill=(0, 0, 0))
    d.text((6, 6), counter, font=small_font, fill=(255, 255, 255))
    if tr_index < N_TR:
        text, colour = (TRANSCRIPTS[tr_index] or "(silence)"), (255, 255, 255)
        if not TRANSCRIPTS[tr_index]:
            colour = (170, 170, 170)
    else:
        text, colour = "(end)", (170, 170, 170)
    width = d.textlength(text, font=font)
    d.rectangle([4, HEIGHT - 26, 10 + width, HEIGHT - 4], fill=(0, 0, 0))
    d.text((7, HEIGHT - 24), text, font=font, fill=colour)


def render_frame(scenes: list[Scene], frame_index: int, font: Font, small_font: Font) -> np.ndarray:
    t = frame_index / FPS
    tr_index = int(t // TR)
    scene = scene_for_tr(scenes, min(tr_index, N_TR - 1))
    img = scene.background.copy()
    scene_t = t - scene.start_tr * TR
    scene.draw(img, scene_t, scene.state)
    draw_overlay(img, t, tr_index, font, small_font)
    return np.asarray(img, dtype=np.uint8)


# --------------------------------------------------------------------------- writing


def write_mp4(path: Path, audio: np.ndarray) -> None:
    scenes = make_scenes()
    font = ImageFont.load_default(size=15)
    small_font = ImageFont.load_default(size=12)
    with av.open(
        str(path), "w", format="mp4", options={"fflags": "+bitexact", "movflags": "+faststart"}
    ) as out:
        vs = out.add_stream("libx264", rate=FPS)
        vs.width, vs.height, vs.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        vs.time_base = Fraction(1, FPS)
        vs.options = {"crf": str(CRF), "preset": "slow", "threads": "1", "g": str(FPS * 4)}
        as_ = out.add_stream("aac", rate=AUDIO_RATE, layout="mono")
        as_.bit_rate = AUDIO_BITRATE
        frames = audio_frames(audio)
        pending = next(frames, None)
        for i in range(N_FRAMES):
            # interleave: audio up to the end of this video frame, then the frame
            while pending is not None and pending.pts < (i + 1) * AUDIO_RATE / FPS:
                for packet in as_.encode(pending):
                    out.mux(packet)
                pending = next(frames, None)
            rgb = render_frame(scenes, i, font, small_font)
            vf = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
            vf.pts = i
            vf.time_base = Fraction(1, FPS)
            for packet in vs.encode(vf):
                out.mux(packet)
        for stream in (as_, vs):
            for packet in stream.encode(None):
                out.mux(packet)


def audio_frames(audio: np.ndarray, block: int = 1024) -> Iterator[av.AudioFrame]:
    samples = audio.astype(np.float32)
    for start in range(0, len(samples), block):
        chunk = samples[start : start + block][None, :]
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(chunk), format="fltp", layout="mono"
        )
        frame.sample_rate = AUDIO_RATE
        frame.pts = start
        frame.time_base = Fraction(1, AUDIO_RATE)
        yield frame


def write_transcripts(out_dir: Path, duration: float) -> None:
    n_tr = math.floor(duration / TR)
    if n_tr != N_TR:
        raise RuntimeError(f"read-back duration {duration} gives {n_tr} TRs, expected {N_TR}")
    doc = {
        "tr": TR,
        "n_tr": n_tr,
        "duration": duration,
        "transcripts": TRANSCRIPTS,
        "source": "generated by scripts/make_sample_clip.py",
        "licence": "CC0-1.0",
    }
    (out_dir / "transcript.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    rows = ["tr_index\tonset\toffset\ttext"]
    rows += [f"{i}\t{i * TR:.2f}\t{(i + 1) * TR:.2f}\t{txt}" for i, txt in enumerate(TRANSCRIPTS)]
    (out_dir / "transcript.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class ReadBack:
    duration: float
    n_video_frames: int
    width: int
    height: int
    audio_rate: int
    audio_16k: np.ndarray


def read_back(path: Path) -> ReadBack:
    with av.open(str(path)) as c:
        if not c.streams.audio or not c.streams.video:
            raise RuntimeError("written file lacks an audio or a video stream")
        duration = round(c.duration / av.time_base, 3)
        vstream = c.streams.video[0]
        n_frames = sum(1 for _ in c.decode(vstream))
        width, height = vstream.codec_context.width, vstream.codec_context.height
    with av.open(str(path)) as c:
        astream = c.streams.audio[0]
        rate = astream.codec_context.sample_rate
        resampler = av.AudioResampler(format="flt", layout="mono", rate=16000)
        chunks = []
        for frame in c.decode(astream):
            chunks += [f.to_ndarray().ravel() for f in resampler.resample(frame)]
        chunks += [f.to_ndarray().ravel() for f in resampler.resample(None)]
    return ReadBack(duration, n_frames, width, height, rate, np.concatenate(chunks))


def frame_rms(x: np.ndarray, rate: int, hop: float = 0.01) -> np.ndarray:
    n = int(hop * rate)
    m = len(x) // n
    return np.sqrt(np.mean(x[: m * n].reshape(m, n).astype(np.float64) ** 2, axis=1))


def check_speech_on_grid(audio_16k: np.ndarray, transcripts: list[str]) -> None:
    """Raise unless speech is audible exactly in the TRs with a non-empty transcript.

    RMS is measured in 10 ms hops. A TR with text needs >= 0.3 s of hops above SPEECH_RMS
    and every hop above SILENCE_RMS must lie at least 20 ms inside the TR; a TR with ""
    must have no hop above SILENCE_RMS.
    """
    speech_rms, silence_rms, hop, guard = 0.02, 0.004, 0.01, 0.02
    rms = frame_rms(audio_16k, 16000, hop)
    times = np.arange(len(rms)) * hop
    problems = []
    for i, text in enumerate(transcripts):
        sel = (times >= i * TR) & (times + hop <= (i + 1) * TR)
        inner = (times >= i * TR + guard) & (times + hop <= (i + 1) * TR - guard)
        loud_outside = np.any(rms[sel & ~inner] > silence_rms)
        if text:
            speech_s = np.count_nonzero(rms[sel] > speech_rms) * hop
            if speech_s < 0.3 or loud_outside:
                problems.append(
                    f"TR {i} {text!r}: speech {speech_s:.2f} s, edges loud {loud_outside}"
                )
        elif np.any(rms[sel] > silence_rms):
            problems.append(f"TR {i} should be silent, max RMS {rms[sel].max():.4f}")
    tail = times >= len(transcripts) * TR
    if np.any(rms[tail] > silence_rms):
        problems.append("audio after the last full TR is not silent")
    if problems:
        raise RuntimeError("speech is not on the TR grid:\n  " + "\n  ".join(problems))


def self_check(path: Path, rb: ReadBack) -> None:
    if (rb.width, rb.height) != (WIDTH, HEIGHT):
        raise RuntimeError(f"unexpected frame size {rb.width}x{rb.height}")
    if rb.n_video_frames != N_FRAMES:
        raise RuntimeError(f"decoded {rb.n_video_frames} frames, expected {N_FRAMES}")
    if rb.audio_rate != AUDIO_RATE:
        raise RuntimeError(f"audio rate {rb.audio_rate}, expected {AUDIO_RATE}")
    if abs(len(rb.audio_16k) / 16000 - DURATION) > 0.1:
        raise RuntimeError(f"decoded audio lasts {len(rb.audio_16k) / 16000:.3f} s")
    check_speech_on_grid(rb.audio_16k, TRANSCRIPTS)
    doc = json.loads((path.parent / "transcript.json").read_text(encoding="utf-8"))
    if doc["n_tr"] != math.floor(rb.duration / TR) or len(doc["transcripts"]) != doc["n_tr"]:
        raise RuntimeError("transcript.json disagrees with the file's duration")


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Make the bundled sample clip (sample.mp4, transcript.json, transcript.tsv)."
    )
    p.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output folder (default: vibe_widgets/data/sample in this repository)",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if len(TRANSCRIPTS) != N_TR:
        raise RuntimeError("TRANSCRIPTS must have one entry per TR")
    exe = require_espeak()
    args.out.mkdir(parents=True, exist_ok=True)
    audio, phrases = build_speech(exe)
    mp4 = args.out / "sample.mp4"
    write_mp4(mp4, audio)
    rb = read_back(mp4)
    write_transcripts(args.out, rb.duration)
    self_check(mp4, rb)
    print(f"{espeak_version(exe)}")
    for ph in phrases:
        onset = ph.tr_index * TR + SPEECH_LEAD
        print(
            f"TR {ph.tr_index:2d} {onset:6.2f}-{onset + ph.seconds:6.2f} s "
            f"({ph.rate} wpm) {ph.text}"
        )
    print(
        f"wrote {mp4}: {mp4.stat().st_size} bytes, {rb.duration:.3f} s, "
        f"{rb.n_video_frames} frames, n_tr {math.floor(rb.duration / TR)}, "
        f"{len(phrases)} TRs with speech; self-check passed"
    )


if __name__ == "__main__":
    main()
