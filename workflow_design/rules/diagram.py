"""The workflow diagram: tasks as boxes, a start and an end, transitions as labelled arrows.

Drawn on the server as a self-contained SVG (no network, no system package). The layered
layout comes from grandalf's Sugiyama layout (the algorithm of graphviz's `dot`), so cycles,
branches and long workflows are placed by a proper graph-layout algorithm. Every piece of
user text goes through `_esc` before it reaches the SVG. Drawings are kept in the `diagrams`
cache (see `workflow_diagram_svg`).
"""

from __future__ import annotations

import hashlib
import html
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.cache import caches
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from grandalf.graphs import Edge, Vertex
from grandalf.layouts import SugiyamaLayout

from workflow_design.fast.diagram_layout import Component, RankedLayers, components, feedback_edges
from workflow_design.models import WorkflowDefinition

BOX_W, BOX_H = 200, 48
TERMINAL_W, TERMINAL_H = 90, 34
X_SPACE, Y_SPACE = 60, 70
MARGIN = 30
COMPONENT_GAP = 80
TITLE_CHARS = 26
LABEL_CHARS = 34
LINE_H = 13

START, END = "start", "end"


def _esc(text: object) -> str:
    """Escapes text for SVG element content and attribute values (quotes included).

    What Django's `escape` writes, without its wrapping of every one of a large drawing's
    thousands of texts as safe strings: the whole drawing is marked safe once, by its caller.
    """
    return html.escape(str(text))


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _View:
    """The geometry grandalf reads (w, h) and writes (xy, path) for a vertex or an edge."""

    def __init__(self, w: float = 0, h: float = 0) -> None:
        self.w, self.h = w, h
        self.xy: tuple[float, float] = (0.0, 0.0)
        self.path: list[tuple[float, float]] = []

    def setpath(self, points: list[tuple[float, float]]) -> None:
        self.path = list(points)


@dataclass
class _Node:
    key: str
    title: str
    subtitle: str = ""
    kind: str = "task"
    faulty: bool = False
    width: float = BOX_W
    height: float = BOX_H
    x: float = 0.0
    y: float = 0.0


@dataclass
class _Arrow:
    source: str
    target: str
    label: str
    tooltip: str
    points: list[tuple[float, float]] = field(default_factory=list)


def _clip(center: tuple[float, float], node: _Node, toward: tuple[float, float]) -> tuple[float, float]:
    """Where the line from the node's centre toward `toward` leaves the node's box."""
    cx, cy = center
    dx, dy = toward[0] - cx, toward[1] - cy
    if dx == 0 and dy == 0:
        return center
    half_w, half_h = node.width / 2, node.height / 2
    scale = min(half_w / abs(dx) if dx else math.inf, half_h / abs(dy) if dy else math.inf)
    return (cx + dx * scale, cy + dy * scale)


def _label_point(points: list[tuple[float, float]]) -> tuple[float, float]:
    """The point 60% along a polyline (by length): branches leaving one task part by then."""
    lengths = [math.dist(a, b) for a, b in zip(points, points[1:], strict=False)]
    half = sum(lengths) * 0.6
    for (a, b), length in zip(zip(points, points[1:], strict=False), lengths, strict=False):
        if half <= length and length:
            t = half / length
            return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
        half -= length
    return points[len(points) // 2]


def _simplify(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drops the bends grandalf leaves on straight stretches (one per layer crossed)."""
    kept = points[:1]
    for here, after in zip(points[1:], points[2:], strict=False):
        before = kept[-1]
        cross = (here[0] - before[0]) * (after[1] - before[1]) - (here[1] - before[1]) * (after[0] - before[0])
        if abs(cross) > 1.0 * max(1.0, math.dist(before, after)):
            kept.append(here)
    return [*kept, points[-1]] if len(points) > 1 else points


def _layout(nodes: dict[str, _Node], arrows: list[_Arrow]) -> tuple[float, float]:
    """Places nodes and routes arrows with grandalf; returns the drawing's width and height."""
    vertices = {}
    for key, node in nodes.items():
        vertex = Vertex(key)
        vertex.view = _View(node.width, node.height)
        vertices[key] = vertex
    # A task that repeats itself is drawn as a loop beside its box, outside the layout.
    laid_out = [arrow for arrow in arrows if arrow.source != arrow.target]
    # Parts, layer ranks and the edges turned around come from `fast.diagram_layout` (linear time).
    groups = components(nodes, ((a.source, a.target) for a in laid_out))
    group_of = {key: index for index, keys in enumerate(groups) for key in keys}
    edges_of: list[list[Edge]] = [[] for _ in groups]
    for arrow in laid_out:
        edge = Edge(vertices[arrow.source], vertices[arrow.target], data=arrow)
        edge.view = _View()
        edges_of[group_of[arrow.source]].append(edge)
    offset_x, height = 0.0, 0.0
    for keys, edges in zip(groups, edges_of, strict=True):
        members = [vertices[key] for key in keys]
        component = Component(members, edges)
        layout = SugiyamaLayout(component)
        layout.xspace, layout.yspace = X_SPACE, Y_SPACE
        layout.layers = RankedLayers()
        roots = [v for v in members if v.data == START] or [v for v in members if not v.e_in()]
        layout.init_all(roots=roots, inverted_edges=feedback_edges(members, roots))
        # grandalf's default ordering rounds (a sweep down and up, then one more down) are kept:
        # they are a small, linear part of the time, and fewer rounds leave more crossings.
        layout.draw()
        xs = [v.view.xy[0] - v.view.w / 2 for v in component.sV] + [0.0]
        ys = [v.view.xy[1] - v.view.h / 2 for v in component.sV] + [0.0]
        min_x, min_y = min(xs), min(ys)
        right = 0.0
        for v in component.sV:
            node = nodes[v.data]
            node.x = v.view.xy[0] - min_x + offset_x + MARGIN
            node.y = v.view.xy[1] - min_y + MARGIN
            right = max(right, node.x + node.width / 2)
            height = max(height, node.y + node.height / 2)
        for e in component.sE:
            raw = [(x - min_x + offset_x + MARGIN, y - min_y + MARGIN) for x, y in e.view.path]
            e.data.points = raw
        offset_x = right - MARGIN + COMPONENT_GAP
    width = offset_x - COMPONENT_GAP + 2 * MARGIN
    for arrow in arrows:
        source, target = nodes[arrow.source], nodes[arrow.target]
        if arrow.source == arrow.target:
            x, y = source.x + source.width / 2, source.y
            arrow.points = [(x, y - 10), (x + 40, y - 24), (x + 40, y + 24), (x, y + 10)]
            continue
        points = arrow.points or [(source.x, source.y), (target.x, target.y)]
        # grandalf reverses some edges to break cycles; draw every arrow source → target.
        if math.dist(points[0], (source.x, source.y)) > math.dist(points[0], (target.x, target.y)):
            points = list(reversed(points))
        points[0] = (source.x, source.y)
        points[-1] = (target.x, target.y)
        points[0] = _clip(points[0], source, points[1])
        points[-1] = _clip(points[-1], target, points[-2])
        arrow.points = _simplify(points)
    width = max(width, *(n.x + n.width / 2 + MARGIN + 60 for n in nodes.values()))
    return width, height + MARGIN + 20


def _arrow_svg(arrow: _Arrow, shift: int) -> str:
    path = " ".join(f"{x:.0f},{y:.0f}" for x, y in arrow.points)
    lx, ly = _label_point(arrow.points) if len(arrow.points) > 1 else arrow.points[0]
    ly += shift * LINE_H
    if arrow.source == arrow.target:
        lx, ly = arrow.points[1][0] + 6, arrow.points[1][1] + LINE_H * (shift + 1)
    short = _short(arrow.label, LABEL_CHARS)
    label_w = 6.2 * len(short) + 8
    return (
        f'<g class="transition"><title>{_esc(arrow.tooltip)}</title><polyline points="{path}"/>'
        f'<rect x="{lx - label_w / 2:.0f}" y="{ly - 9:.0f}" width="{label_w:.0f}" height="{LINE_H + 2}"/>'
        f'<text x="{lx:.0f}" y="{ly + 2:.0f}">{_esc(short)}</text></g>'
    )


def _node_svg(node: _Node) -> str:
    x, y = node.x - node.width / 2, node.y - node.height / 2
    box = f'<rect x="{x:.0f}" y="{y:.0f}" width="{node.width}" height="{node.height}"/>'
    if node.kind in (START, END):
        label = f'<text x="{node.x:.0f}" y="{node.y + 4:.0f}">{_esc(node.title)}</text>'
        return f'<g class="terminal {node.kind}">{box}{label}</g>'
    css = "task faulty" if node.faulty else "task"
    marker = "⚠ " if node.faulty else ""
    tooltip = node.title + (f" — {_('has problems')}" if node.faulty else "")
    return (
        f'<g class="{css}" data-task="{_esc(node.key)}"><title>{_esc(tooltip)}</title>{box}'
        f'<text x="{node.x:.0f}" y="{node.y - 3:.0f}">{_esc(marker + _short(node.title, TITLE_CHARS))}</text>'
        f'<text class="sub" x="{node.x:.0f}" y="{node.y + 13:.0f}">'
        f"{_esc(_short(node.subtitle, TITLE_CHARS + 6))}</text>"
        "</g>"
    )


# Presentation in one place (classes instead of per-element attributes keep a 600-arrow
# drawing small); scoped to the diagram because an inline SVG's style applies page-wide.
STYLE = (
    "<style>"
    ".wd-diagram text{text-anchor:middle;font-size:13px;font-weight:bold;fill:#222}"
    ".wd-diagram .task rect{fill:#eaf2f8;stroke:#2b5f8a;stroke-width:1.5px;rx:6px}"
    ".wd-diagram .faulty rect{fill:#fdecea;stroke:#ba2121;stroke-width:3px}"
    ".wd-diagram .task text.sub{font-size:10px;font-weight:normal;fill:#555}"
    ".wd-diagram .terminal rect{stroke:#333;stroke-width:1.5px;rx:17px}"
    ".wd-diagram .start rect{fill:#e3f2e1}.wd-diagram .end rect{fill:#f3e1e1}"
    ".wd-diagram .transition polyline{fill:none;stroke:#555;stroke-width:1.4px;marker-end:url(#wd-arrow)}"
    ".wd-diagram .transition rect{fill:#fff;fill-opacity:.9}"
    ".wd-diagram .transition text{font-size:11px;font-weight:normal;fill:#333}"
    "</style>"
)


# The cache alias (settings.CACHES) holding diagrams already drawn, under a digest of
# everything they were drawn from (see below).
DIAGRAM_CACHE = "diagrams"


def forget_drawn_diagrams() -> None:
    """Drop the kept drawings: the next diagram of every workflow is laid out anew."""
    caches[DIAGRAM_CACHE].clear()


def workflow_diagram_svg(workflow: WorkflowDefinition, *, highlight_task_ids: Iterable[int] = frozenset()) -> str:
    """The workflow as an SVG document; tasks in `highlight_task_ids` are drawn marked as faulty."""
    highlight = sorted(set(highlight_task_ids))
    # Only the columns drawn: model instances (with their form schemas and dates) would cost
    # more than the whole layout of a thousand-task workflow.
    tasks = list(
        workflow.tasks.order_by("position", "id").values_list("pk", "title", "slug", "assignee_role__name", named=True)
    )
    transitions = list(
        workflow.transitions.order_by("priority", "id").values_list(
            "slug", "from_task_id", "to_task_id", "condition", "priority", named=True
        )
    )
    # The layout is most of the drawing's time, and a workflow is shown far more often than it
    # changes. A drawing is kept under a digest of all it shows, so the same workflow shown again
    # is not laid out again, while any change (a title, a role's name, a condition, the
    # language, the marked tasks) draws a new one. A kept drawing never goes stale.
    drawn_from = (get_language(), workflow.title, workflow.version, highlight, tasks, transitions)
    key = hashlib.sha256(repr(drawn_from).encode()).hexdigest()
    drawings = caches[DIAGRAM_CACHE]
    svg = drawings.get(key)
    if svg is None:
        svg = _draw(workflow, tasks, transitions, set(highlight))
        drawings.set(key, svg)
    return svg


def _draw(workflow: WorkflowDefinition, tasks: list, transitions: list, highlight: set[int]) -> str:
    no_role, always, priority_word, end_title = _("no role assigned"), _("always"), _("priority"), _("End")
    nodes: dict[str, _Node] = {START: _Node(START, _("Start"), kind=START, width=TERMINAL_W, height=TERMINAL_H)}
    for task in tasks:
        role = task.assignee_role__name if task.assignee_role__name is not None else no_role
        nodes[f"t{task.pk}"] = _Node(f"t{task.pk}", task.title, f"{task.slug} · {role}", faulty=task.pk in highlight)
    arrows = []
    for t in transitions:
        target = f"t{t.to_task_id}" if t.to_task_id else f"{END}-{t.from_task_id}"
        if target not in nodes:
            # One end per task that ends the workflow, drawn just below it: long arrows from
            # every corner of a big workflow to a single end would cross the whole drawing.
            nodes[target] = _Node(target, end_title, kind=END, width=TERMINAL_W, height=TERMINAL_H)
        condition = t.condition.strip()
        arrows.append(
            _Arrow(
                source=f"t{t.from_task_id}" if t.from_task_id else START,
                target=target,
                label=f"{t.priority}: {condition or always}",
                tooltip=f"{t.slug} — {priority_word} {t.priority}: {condition or always}",
            )
        )
    width, height = _layout(nodes, arrows)
    parts = []
    seen: dict[tuple[str, str], int] = {}
    for arrow in arrows:
        pair = (arrow.source, arrow.target)
        shift = seen.get(pair, 0)
        seen[pair] = shift + 1
        parts.append(_arrow_svg(arrow, shift))
    parts.extend(_node_svg(node) for node in nodes.values())
    title = _("Workflow %(title)s, version %(version)s") % {"title": workflow.title, "version": workflow.version}
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="wd-diagram" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="sans-serif" role="img" '
        f'aria-label="{_esc(title)}"><title>{_esc(title)}</title>'
        + STYLE
        + '<defs><marker id="wd-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>'
        + "".join(parts)
        + "</svg>"
    )
