"""Drawing a table's text boxes again from a recording of their first drawing.

WeasyPrint draws a text box by setting its Pango layout up again (a new Pango context, the
text shaped anew), walking its glyphs in Python and writing the PDF text operators.  A
skeleton's labels are drawn in every report exactly the same but for their position, and a
figure such as “12” in a given cell style is the same wherever it stands: so the first
drawing of each is recorded (the stream calls WeasyPrint makes, and the glyphs it adds to
the fonts' width and ToUnicode tables) and later drawings replay it through the same stream
methods, moved.  The stream keeps its own state (current colour, font, BT/ET merging) as it
would, so a replayed page has the bytes a drawn one has (tests/test_table_stamp.py).

A drawing that calls anything else on the stream (emoji, text decoration, a bitmap font)
is not recorded: that box is drawn by WeasyPrint every time.

Ownership: a recording names Pango fonts (``PangoFont *``) that it hands to
``stream.add_font`` again at every replay, after WeasyPrint has dropped the layout that
found them.  So a `Recording` holds each of its fonts, and the HarfBuzz font Pango made for
it, with references of its own (`font_refs.OwnedFont`: ``g_object_ref`` and
``hb_font_reference``, released by ``ffi.gc`` when the recording is freed).  Nothing else
is kept alive for it: not the box's layout (an earlier version kept every recorded layout
set up instead, and a font freed by Pango all the same crashed a process — found by
chance, as a use-after-free is).  A skeleton owns its recordings (at most MAX_RECORDINGS
per dict) and `table_skeleton.SKELETONS` the skeletons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import MethodType
from typing import Any

from nianbao.render.pdf_fast.font_refs import OwnedFont

# What draw_text calls on the stream for a plain text box (weasyprint/draw/text.py).
_REPLAYABLE = frozenset({"set_color", "begin_text", "end_text", "set_text_matrix",
                         "set_font_size", "show_text", "set_text_rise", "add_font"})
_GLYPHS = re.compile(r"<([0-9a-f]*)>")


@dataclass
class Recording:
    """One text box's drawing: stream calls, fonts and the glyphs it gave each font."""

    x: float                                            # the box's position and width
    y: float                                            # when recorded
    width: float
    ops: list[tuple] = field(default_factory=list)
    fonts: list[OwnedFont] = field(default_factory=list)   # in order of use, owned
    glyphs: list[dict[int, tuple[int, str | None]]] = field(default_factory=list)


class _Recorder:
    """Stands for the page stream while WeasyPrint draws one text box: every call goes
    to the stream, and the replayable ones are written down."""

    def __init__(self, stream: Any, recording: Recording) -> None:
        self._stream = stream
        self._recording = recording
        self._font: Any = None
        self.replayable = True

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._stream, name)
        if not isinstance(attr, MethodType):
            # ink_rect, logical_rect: PangoRectangle buffers draw_text lends Pango to
            # measure a glyph new to the font (cffi pointers, which callable() calls
            # callable: taken for stream calls, they made such drawings unrecordable)
            return attr
        if name not in _REPLAYABLE:
            self.replayable = False
            return attr

        def call(*args: Any) -> Any:
            result = attr(*args)
            ops = self._recording.ops
            if name == "add_font":
                self._font = result[0]
                self.replayable &= not self._font.bitmap
                self._recording.fonts.append(OwnedFont(args[0]))
                self._recording.glyphs.append({})
                ops.append(("add_font", len(self._recording.fonts) - 1))
            elif name == "set_font_size":
                ops.append(("set_font_size", args[1]))
            else:
                if name == "show_text":
                    self._note_glyphs(args[0])
                ops.append((name, args))
            return result

        return call

    def _note_glyphs(self, text: str) -> None:
        font, glyphs = self._font, self._recording.glyphs[-1]
        for run in _GLYPHS.findall(text):
            for i in range(0, len(run), 4):
                glyph = int(run[i:i + 4], 16)
                glyphs[glyph] = (font.widths[glyph], font.to_unicode.get(glyph))


MAX_RECORDINGS = 128   # per dict: figures vary; a cap bounds a worker's memory


def draw(stream: Any, box: Any, recordings: dict[Any, Recording | None], key: Any) -> None:
    """Draw a positioned text box with WeasyPrint's draw_text, recording the drawing under
    ``key`` (None when it cannot be replayed; nothing once the dict holds MAX_RECORDINGS)."""
    from weasyprint.draw.text import draw_text

    if key in recordings or len(recordings) >= MAX_RECORDINGS:
        draw_text(stream, box, 0, "clip", "none")
        return
    new = Recording(box.position_x, box.position_y, box.width)
    recorder = _Recorder(stream, new)
    draw_text(recorder, box, 0, "clip", "none")
    recordings[key] = new if recorder.replayable else None


def replay(stream: Any, recording: Recording, dx: float, dy: float) -> None:
    """Make the recorded stream calls again, the text moved by (dx, dy)."""
    font: Any = None
    for op in recording.ops:
        name = op[0]
        if name == "add_font":
            font, _ = stream.add_font(recording.fonts[op[1]].pango)
            for glyph, (width, text) in recording.glyphs[op[1]].items():
                font.widths.setdefault(glyph, width)
                if text is not None:
                    font.to_unicode.setdefault(glyph, text)
        elif name == "set_font_size":
            stream.set_font_size(font.hash, op[1])
        elif name == "set_text_matrix":
            a, b, c, d, e, f = op[1]
            stream.set_text_matrix(a, b, c, d, e + dx, f + dy)
        else:
            getattr(stream, name)(*op[1])
