"""Writing video that every current browser plays: H.264 in MP4 through PyAV's FFmpeg.

OpenCV's ``mp4v`` (MPEG-4 part 2) does not play in Chrome or Firefox; PyAV's wheels ship
FFmpeg with libx264, so the annotated clip can be embedded in the HTML report.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

#: x264 quality (lower is better, 23 is its default) and speed preset.
CRF = 23
PRESET = "veryfast"


class H264Writer:
    """BGR frames in order -> an H.264 (yuv420p) MP4 at ``fps``, index moved to the front so a
    browser can start playing before the file has loaded."""

    def __init__(
        self,
        path: Path,
        fps: float,
        width_px: int,
        height_px: int,
        crf: int = CRF,
        preset: str = PRESET,
    ) -> None:
        import av  # imported here: only the annotated video needs it

        self._av = av
        self._container = av.open(
            str(path), mode="w", format="mp4", options={"movflags": "+faststart"}
        )
        rate = Fraction(fps).limit_denominator(1001) if fps > 0 else Fraction(30)
        self._stream = self._container.add_stream("libx264", rate=rate)
        # yuv420p halves the chroma resolution: both sides must be even.
        self._width, self._height = width_px - width_px % 2, height_px - height_px % 2
        self._stream.width, self._stream.height = self._width, self._height
        self._stream.pix_fmt = "yuv420p"
        self._stream.options = {"crf": str(crf), "preset": preset}
        self._index = 0

    def write(self, image_bgr: np.ndarray) -> None:
        frame = self._av.VideoFrame.from_ndarray(
            np.ascontiguousarray(image_bgr[: self._height, : self._width]), format="bgr24"
        )
        frame.pts = self._index
        self._index += 1
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def close(self) -> None:
        """Flush the encoder and finish the file."""
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()

    def abandon(self) -> None:
        """Close without flushing (the partial file is then removed by the caller)."""
        self._container.close()
