"""Small, real media files for the sample world: photos, sound clips, short video clips.

Each file is made from a seed, so the same world has the same bytes; each opens in the tools a
person has (an image viewer, a browser, a media player). Photos are JPEG (a coloured frame with
a few shapes), sound is WAV (a short tone sequence, 8 kHz mono), and short clips are animated
GIF (a few frames): the sample world has no video encoder, and a GIF plays in any browser.
"""

from __future__ import annotations

import io
import math
import random
import struct
import wave
from pathlib import Path

SOUND_RATE = 8000


def write_photo(path: Path, seed: str, size: tuple[int, int] = (160, 120)) -> int:
    """A JPEG photo; returns its size in bytes."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", size, tuple(rng.randint(40, 220) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randint(0, size[0]), rng.randint(0, size[1])
        r = rng.randint(8, 40)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randint(0, 255) for _ in range(3)))
    return _save(path, image, "JPEG", quality=80)


def write_clip(path: Path, seed: str, frames: int = 6, size: tuple[int, int] = (120, 90)) -> int:
    """A short animated GIF clip; returns its size in bytes."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    background = tuple(rng.randint(40, 220) for _ in range(3))
    colour = tuple(rng.randint(0, 255) for _ in range(3))
    images = []
    for n in range(frames):
        image = Image.new("RGB", size, background)
        x = int((size[0] - 20) * n / max(frames - 1, 1))
        ImageDraw.Draw(image).rectangle((x, 30, x + 20, 60), fill=colour)
        images.append(image)
    buffer = io.BytesIO()
    images[0].save(buffer, "GIF", save_all=True, append_images=images[1:], duration=200, loop=0)
    return _write(path, buffer.getvalue())


def write_sound(path: Path, seed: str, seconds: float = 1.5) -> int:
    """A WAV sound clip (a few tones, 8 kHz mono, 16 bit); returns its size in bytes."""
    rng = random.Random(seed)
    tones = [rng.choice((330, 392, 440, 494, 523)) for _ in range(3)]
    samples = int(SOUND_RATE * seconds)
    frames = bytearray()
    for i in range(samples):
        tone = tones[min(i * len(tones) // samples, len(tones) - 1)]
        value = int(8000 * math.sin(2 * math.pi * tone * i / SOUND_RATE))
        frames += struct.pack("<h", value)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SOUND_RATE)
        out.writeframes(bytes(frames))
    return _write(path, buffer.getvalue())


def _save(path: Path, image: object, kind: str, **options: object) -> int:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)  # type: ignore[attr-defined]
    return _write(path, buffer.getvalue())


def _write(path: Path, data: bytes) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return len(data)
