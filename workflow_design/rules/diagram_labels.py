"""Where the workflow diagram's labels go, and how large the drawing is (`rules.diagram`).

A label is placed where it covers no box and no label placed before it: tried at a few points
along its arrow, then moved down. Boxes and labels are kept in a grid of cells, so each label is
compared with its neighbours only (linear in the size of the drawing). The drawing's extent holds
every box, arrow and label, so nothing is clipped.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

LABEL_CHARS = 34
LINE_H = 13
LABEL_CHAR_W = 6.4  # px a character of a label, generous so the text stays on its background
MARGIN = 30
GRID = 128  # cell of the grid that finds overlapping labels without comparing every pair


def shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def point_along(points: list[tuple[float, float]], share: float) -> tuple[float, float]:
    """The point `share` of the way along a polyline (by length)."""
    lengths = [math.dist(a, b) for a, b in zip(points, points[1:], strict=False)]
    left = sum(lengths) * share
    for (a, b), length in zip(zip(points, points[1:], strict=False), lengths, strict=False):
        if left <= length and length:
            t = left / length
            return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
        left -= length
    return points[len(points) // 2]


def box_of(node) -> tuple[float, float, float, float]:
    return (node.x - node.width / 2, node.y - node.height / 2, node.x + node.width / 2, node.y + node.height / 2)


def label_size(arrow) -> tuple[float, float]:
    return LABEL_CHAR_W * len(shortened(arrow.label, LABEL_CHARS)) + 8, LINE_H + 2


class Occupied:
    """Rectangles already drawn, by grid cell: a new label is checked against its neighbours only."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[tuple[float, float, float, float]]] = defaultdict(list)

    def _cells(self, box):
        rows = range(int(box[1] // GRID), int(box[3] // GRID) + 1)
        return [(cx, cy) for cx in range(int(box[0] // GRID), int(box[2] // GRID) + 1) for cy in rows]

    def free(self, box) -> bool:
        left, top, right, bottom = box
        cells = self.cells
        for cell in self._cells(box):
            for other in cells.get(cell, ()):
                if left < other[2] and other[0] < right and top < other[3] and other[1] < bottom:
                    return False
        return True

    def add(self, box) -> None:
        for cell in self._cells(box):
            self.cells[cell].append(box)


# Where along its arrow a label is tried, first to last; then the first place, moved down.
ALONG = (0.6, 0.4, 0.75, 0.3, 0.5, 0.85, 0.2)


def place_labels(nodes: dict, arrows: list) -> None:
    """Each label where it covers no box and no label placed before it."""
    occupied = Occupied()
    for node in nodes.values():
        occupied.add(box_of(node))
    for arrow in arrows:
        w, h = label_size(arrow)
        if arrow.source == arrow.target:
            # Right of its loop, beside the box: text reads left to right from the loop.
            right = max(x for x, _y in arrow.points)
            candidates = iter([(right + 4 + w / 2, (arrow.points[2][1] + arrow.points[3][1]) / 2)])
        else:
            # Tried one by one: most labels take the first place.
            candidates = (point_along(arrow.points, share) for share in ALONG)
        first = next(candidates)
        chosen = None
        for cx, cy in itertools.chain([first], candidates):
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            if occupied.free(box):
                chosen = box
                break
        if chosen is None:
            cx, cy = first
            for step in range(1, 40):
                box = (cx - w / 2, cy - h / 2 + step * h, cx + w / 2, cy + h / 2 + step * h)
                if occupied.free(box):
                    chosen = box
                    break
            else:
                chosen = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
        occupied.add(chosen)
        arrow.label_at = ((chosen[0] + chosen[2]) / 2, (chosen[1] + chosen[3]) / 2)


def drawing_extent(nodes: dict, arrows: list) -> tuple[float, float, float, float]:
    """The drawing's bounds with a margin: every box, arrow and label inside."""
    xs, ys = [], []
    for node in nodes.values():
        left, top, right, bottom = box_of(node)
        xs += [left, right]
        ys += [top, bottom]
    for arrow in arrows:
        w, h = label_size(arrow)
        xs += [x for x, _y in arrow.points] + [arrow.label_at[0] - w / 2, arrow.label_at[0] + w / 2]
        ys += [y for _x, y in arrow.points] + [arrow.label_at[1] - h / 2, arrow.label_at[1] + h / 2]
    left, top = min(xs, default=0.0) - MARGIN, min(ys, default=0.0) - MARGIN
    return left, top, max(xs, default=0.0) + MARGIN - left, max(ys, default=0.0) + MARGIN - top
