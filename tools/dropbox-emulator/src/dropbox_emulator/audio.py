"""Small, playable demo music made with the standard library (and LAME for MP3)."""

from __future__ import annotations

import io
import math
import wave
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import lameenc  # type: ignore[import-not-found]

RATE = 44100
Voice = Callable[[float, float], float]


@dataclass(frozen=True)
class Song:
    """A loop: one chord (MIDI note numbers) per two beats, at a tempo, for some seconds."""

    chords: tuple[tuple[int, ...], ...]
    bpm: int
    seconds: float = 4.0

    @property
    def beat_s(self) -> float:
        """One beat in seconds."""
        return 60 / self.bpm

    def chord_at(self, beat: int) -> tuple[int, ...]:
        """The chord sounding on a beat."""
        return self.chords[(beat // 2) % len(self.chords)]


@dataclass(frozen=True)
class Note:
    """A sound starting at `start` seconds and lasting `length` seconds."""

    start: float
    length: float
    freq: float
    amp: float


def hz(midi: int) -> float:
    """The frequency of a MIDI note number."""
    return 440.0 * 2 ** ((midi - 69) / 12)


def keys_voice(freq: float, t: float) -> float:
    """A plucked, bell-ish tone."""
    tone = math.sin(2 * math.pi * freq * t) + 0.25 * math.sin(4 * math.pi * freq * t)
    return tone * math.exp(-5 * t) * min(1.0, t * 400)


def bass_voice(freq: float, t: float) -> float:
    """A round bass note."""
    tone = math.sin(2 * math.pi * freq * t) + 0.3 * math.sin(4 * math.pi * freq * t)
    return tone * math.exp(-2.5 * t) * min(1.0, t * 200)


def kick_voice(freq: float, t: float) -> float:
    """A kick drum: a sine falling fast from about 3×`freq` to `freq`."""
    phase = freq * t + 2 * freq * (1 - math.exp(-25 * t)) / 25
    return math.sin(2 * math.pi * phase) * math.exp(-9 * t)


def render(notes: Iterable[Note], seconds: float, voice: Voice) -> list[float]:
    """The notes played by one voice, as samples in about [-1, 1]."""
    out = [0.0] * int(seconds * RATE)
    for note in notes:
        start = int(note.start * RATE)
        for i in range(min(int(note.length * RATE), len(out) - start)):
            out[start + i] += note.amp * voice(note.freq, i / RATE)
    return out


def keys(song: Song) -> list[float]:
    """Eighth-note arpeggios through each chord, an octave up."""
    step = song.beat_s / 2
    count = int(song.seconds / step)
    notes = []
    for n in range(count):
        chord = song.chord_at(int(n * step / song.beat_s))
        notes.append(Note(n * step, step * 3, hz(chord[n % len(chord)] + 12), 0.18))
    return render(notes, song.seconds, keys_voice)


def bass(song: Song) -> list[float]:
    """The chord roots, two octaves down, on every beat."""
    beats = int(song.seconds / song.beat_s)
    notes = [
        Note(b * song.beat_s, song.beat_s, hz(song.chord_at(b)[0] - 24), 0.25) for b in range(beats)
    ]
    return render(notes, song.seconds, bass_voice)


def drums(song: Song) -> list[float]:
    """Four on the floor."""
    beats = int(song.seconds / song.beat_s)
    notes = [Note(b * song.beat_s, song.beat_s, 50.0, 0.4) for b in range(beats)]
    return render(notes, song.seconds, kick_voice)


def mix(*layers: list[float]) -> list[float]:
    """The sum of equally long layers."""
    return [sum(values) for values in zip(*layers, strict=True)]


def pcm16(samples: list[float]) -> bytes:
    """Samples as 16-bit little-endian PCM, clipped, with 20 ms fades at both ends."""
    fade = int(0.02 * RATE)
    last = len(samples) - 1
    pcm = array("h")
    for i, value in enumerate(samples):
        gain = min(1.0, i / fade, (last - i) / fade)
        pcm.append(int(max(-1.0, min(1.0, value * gain)) * 32767))
    return pcm.tobytes()


def wav(samples: list[float]) -> bytes:
    """A mono 44.1 kHz 16-bit WAV file."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm16(samples))
    return buffer.getvalue()


def mp3(samples: list[float]) -> bytes:
    """A mono 128 kbit/s MP3 file, encoded by LAME."""
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(128)
    encoder.set_in_sample_rate(RATE)
    encoder.set_channels(1)
    encoder.set_quality(5)
    return bytes(encoder.encode(pcm16(samples)) + encoder.flush())
