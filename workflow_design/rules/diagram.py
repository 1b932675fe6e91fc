"""The workflow diagram: tasks as boxes, a start and an end, transitions as labelled arrows.

Drawn on the server as a self-contained SVG (no network, no system package). The layered
layout comes from grandalf's Sugiyama layout (the algorithm of graphviz's `dot`), so cycles,
branches and long workflows are placed by a proper graph-layout algorithm. Every piece of
user text goes through `_esc` before it reaches the SVG. Drawings are kept in the `diagrams`
cache (see `workflow_diagram_svg`).

What the layout leaves to this module: a box as wide as its title, transitions between the same
two boxes drawn side by side, loops of a task onto itself drawn beside its box one inside the
other, every label placed where it covers no box and no other label, and a drawing as large as
everything in it (nothing clipped). A task links to its row on the workflow page
(`#task-<slug>`); tasks and transitions named by an error finding are marked, with the finding
as their tooltip.
"""

from __future__ import annotations

import hashlib
import html
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.cache import caches
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from grandalf.graphs import Edge, Vertex
from grandalf.layouts import SugiyamaLayout

from workflow_design.fast.diagram_layout import Component, RankedLayers, components, feedback_edges
from workflow_design.models import WorkflowDefinition
from workflow_design.rules.diagram_labels import (
    LABEL_CHARS,
    MARGIN,
    drawing_extent,
    label_size,
    place_labels,
)
from workflow_design.rules.diagram_labels import shortened as _short

BOX_W, BOX_H = 200, 48
MAX_BOX_W = 320
TERMINAL_W, TERMINAL_H = 90, 34
X_SPACE, Y_SPACE = 60, 70
COMPONENT_GAP = 80
TITLE_CHARS = 38
# Widths of a character (px), generous so that text stays inside the box or label drawn for it.
TITLE_CHAR_W, SUB_CHAR_W = 8.2, 6.2
PARALLEL_GAP = 16  # between transitions joining the same two boxes
LOOP_SIZE, LOOP_STEP = 34, 16  # a task's first loop onto itself, and each further one

START, END = "start", "end"


def _esc(text: object) -> str:
    """Escapes text for SVG element content and attribute values (quotes included).

    What Django's `escape` writes, without its wrapping of every one of a large drawing's
    thousands of texts as safe strings: the whole drawing is marked safe once, by its caller.
    """
    return html.escape(str(text))


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
    loops: int = 0  # transitions from the task to itself


def _task_width(title: str, subtitle: str) -> float:
    """A box as wide as its (shortened) title and subtitle: no text runs over its edge."""
    wanted = max(
        TITLE_CHAR_W * (len(_short(title, TITLE_CHARS)) + 2), SUB_CHAR_W * len(_short(subtitle, TITLE_CHARS + 6))
    )
    return min(MAX_BOX_W, max(BOX_W, wanted + 16))


@dataclass
class _Arrow:
    source: str
    target: str
    label: str
    tooltip: str
    faulty: bool = False
    points: list[tuple[float, float]] = field(default_factory=list)
    label_at: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class DiagramMarks:
    """What error findings name: messages by task id and by transition slug."""

    tasks: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    transitions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def digest(self) -> tuple:
        return (sorted(self.tasks.items()), sorted(self.transitions.items()))


def diagram_marks(findings: Iterable) -> DiagramMarks:
    """The marks of a linter's error findings (`rules.linting.Finding`)."""
    tasks: dict[int, list[str]] = defaultdict(list)
    transitions: dict[str, list[str]] = defaultdict(list)
    for finding in findings:
        if finding.level != "error":
            continue
        if finding.object_type == "task" and finding.object_id is not None:
            tasks[finding.object_id].append(finding.message)
        elif finding.object_type == "transition" and finding.object_slug:
            transitions[finding.object_slug].append(finding.message)
    return DiagramMarks(
        {key: tuple(messages) for key, messages in tasks.items()},
        {key: tuple(messages) for key, messages in transitions.items()},
    )


def _clip(center: tuple[float, float], node: _Node, toward: tuple[float, float]) -> tuple[float, float]:
    """Where the line from the node's centre toward `toward` leaves the node's box."""
    cx, cy = center
    dx, dy = toward[0] - cx, toward[1] - cy
    if dx == 0 and dy == 0:
        return center
    half_w, half_h = node.width / 2, node.height / 2
    scale = min(half_w / abs(dx) if dx else math.inf, half_h / abs(dy) if dy else math.inf)
    return (cx + dx * scale, cy + dy * scale)


def _simplify(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drops the bends grandalf leaves on straight stretches (one per layer crossed)."""
    kept = points[:1]
    for here, after in zip(points[1:], points[2:], strict=False):
        before = kept[-1]
        cross = (here[0] - before[0]) * (after[1] - before[1]) - (here[1] - before[1]) * (after[0] - before[0])
        if abs(cross) > 1.0 * max(1.0, math.dist(before, after)):
            kept.append(here)
    return [*kept, points[-1]] if len(points) > 1 else points


def _layout(nodes: dict[str, _Node], arrows: list[_Arrow]) -> None:
    """Places nodes and routes arrows with grandalf."""
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
    offset_x = 0.0
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
            # Room on the right for the task's loops onto itself.
            right = max(right, node.x + node.width / 2 + node.loops * LOOP_STEP)
        for e in component.sE:
            e.data.points = [(x - min_x + offset_x + MARGIN, y - min_y + MARGIN) for x, y in e.view.path]
        offset_x = right - MARGIN + COMPONENT_GAP
    _route(nodes, arrows)


def _route(nodes: dict[str, _Node], arrows: list[_Arrow]) -> None:
    """Every arrow from its source's box to its target's; arrows joining the same two boxes
    (either way) side by side; loops beside their box, each further one around the one before."""
    joining: dict[frozenset, list[_Arrow]] = defaultdict(list)
    loops: dict[str, int] = defaultdict(int)
    for arrow in arrows:
        source, target = nodes[arrow.source], nodes[arrow.target]
        if arrow.source == arrow.target:
            size = LOOP_SIZE + loops[arrow.source] * LOOP_STEP
            loops[arrow.source] += 1
            x, y, lift = source.x + source.width / 2, source.y, min(source.height / 2 - 4, 6 + size / 4)
            arrow.points = [
                (x, y - lift),
                (x + size * 0.55, y - lift - size * 0.35),
                (x + size, y - size * 0.2),
                (x + size, y + size * 0.2),
                (x + size * 0.55, y + lift + size * 0.35),
                (x, y + lift),
            ]
            continue
        points = arrow.points or [(source.x, source.y), (target.x, target.y)]
        # grandalf reverses some edges to break cycles; draw every arrow source → target.
        if math.dist(points[0], (source.x, source.y)) > math.dist(points[0], (target.x, target.y)):
            points = list(reversed(points))
        points[0] = (source.x, source.y)
        points[-1] = (target.x, target.y)
        joining[frozenset((arrow.source, arrow.target))].append(arrow)
        arrow.points = points
    for pair in joining.values():
        first, second = sorted({pair[0].source, pair[0].target})
        a, b = nodes[first], nodes[second]
        length = math.dist((a.x, a.y), (b.x, b.y)) or 1.0
        normal = ((b.y - a.y) / length, (a.x - b.x) / length)
        for index, arrow in enumerate(pair):
            shift = (index - (len(pair) - 1) / 2) * PARALLEL_GAP
            moved = [(x + normal[0] * shift, y + normal[1] * shift) for x, y in arrow.points]
            ends = nodes[arrow.source], nodes[arrow.target]
            moved[0] = _clip((ends[0].x + normal[0] * shift, ends[0].y + normal[1] * shift), ends[0], moved[1])
            moved[-1] = _clip((ends[1].x + normal[0] * shift, ends[1].y + normal[1] * shift), ends[1], moved[-2])
            arrow.points = _simplify(moved)


def _arrow_svg(arrow: _Arrow) -> str:
    path = " ".join(f"{x:.0f},{y:.0f}" for x, y in arrow.points)
    lx, ly = arrow.label_at
    short = _short(arrow.label, LABEL_CHARS)
    label_w, label_h = label_size(arrow)
    css = "transition faulty" if arrow.faulty else "transition"
    return (
        f'<g class="{css}"><title>{_esc(arrow.tooltip)}</title><polyline points="{path}"/>'
        f'<rect x="{lx - label_w / 2:.0f}" y="{ly - label_h / 2:.0f}" width="{label_w:.0f}" height="{label_h:.0f}"/>'
        f'<text x="{lx:.0f}" y="{ly + 4:.0f}">{_esc(short)}</text></g>'
    )


def _node_svg(node: _Node, slug: str, problems: tuple[str, ...]) -> str:
    x, y = node.x - node.width / 2, node.y - node.height / 2
    box = f'<rect x="{x:.0f}" y="{y:.0f}" width="{node.width:.0f}" height="{node.height}"/>'
    if node.kind in (START, END):
        label = f'<text x="{node.x:.0f}" y="{node.y + 4:.0f}">{_esc(node.title)}</text>'
        return f'<g class="terminal {node.kind}">{box}{label}</g>'
    css = "task faulty" if node.faulty else "task"
    marker = "⚠ " if node.faulty else ""
    said = " — ".join(problems) if problems else _("has problems")
    tooltip = node.title + (f" — {said}" if node.faulty else "") + f" ({_('open its task')})"
    # A link to the task's row on the workflow page: clicking a box opens its task.
    return (
        f'<a href="#task-{_esc(slug)}" class="wd-node-link"><g class="{css}" data-task="{_esc(node.key)}">'
        f"<title>{_esc(tooltip)}</title>{box}"
        f'<text x="{node.x:.0f}" y="{node.y - 3:.0f}">{_esc(marker + _short(node.title, TITLE_CHARS))}</text>'
        f'<text class="sub" x="{node.x:.0f}" y="{node.y + 13:.0f}">'
        f"{_esc(_short(node.subtitle, TITLE_CHARS + 6))}</text>"
        "</g></a>"
    )


# Presentation in one place (classes instead of per-element attributes keep a 600-arrow
# drawing small); scoped to the diagram because an inline SVG's style applies page-wide.
STYLE = (
    "<style>"
    ".wd-diagram text{text-anchor:middle;font-size:13px;font-weight:bold;fill:#222}"
    ".wd-diagram .task rect{fill:#eaf2f8;stroke:#2b5f8a;stroke-width:1.5px;rx:6px}"
    ".wd-diagram .task.faulty rect{fill:#fdecea;stroke:#ba2121;stroke-width:3px}"
    ".wd-diagram .task text.sub{font-size:10px;font-weight:normal;fill:#555}"
    ".wd-diagram .terminal rect{stroke:#333;stroke-width:1.5px;rx:17px}"
    ".wd-diagram .start rect{fill:#e3f2e1}.wd-diagram .end rect{fill:#f3e1e1}"
    ".wd-diagram .transition polyline{fill:none;stroke:#555;stroke-width:1.4px;marker-end:url(#wd-arrow)}"
    ".wd-diagram .transition rect{fill:#fff;fill-opacity:.9}"
    ".wd-diagram .transition text{font-size:11px;font-weight:normal;fill:#333}"
    ".wd-diagram .transition.faulty polyline{stroke:#ba2121;stroke-width:2.4px;stroke-dasharray:6 3}"
    ".wd-diagram .transition.faulty rect{fill:#fdecea;fill-opacity:1}.wd-diagram .transition.faulty text{fill:#ba2121}"
    ".wd-diagram .wd-node-link{cursor:pointer}.wd-diagram .wd-node-link:hover rect{stroke-width:3px}"
    "</style>"
)


# The cache alias (settings.CACHES) holding diagrams already drawn, under a digest of
# everything they were drawn from (see below).
DIAGRAM_CACHE = "diagrams"


def forget_drawn_diagrams() -> None:
    """Drop the kept drawings: the next diagram of every workflow is laid out anew."""
    caches[DIAGRAM_CACHE].clear()


def workflow_diagram_svg(
    workflow: WorkflowDefinition,
    *,
    highlight_task_ids: Iterable[int] = frozenset(),
    marks: DiagramMarks | None = None,
) -> str:
    """The workflow as an SVG document; tasks in `highlight_task_ids` are drawn marked as faulty,
    and the tasks and transitions `marks` names are marked with their findings as tooltips."""
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
    return diagram_svg_from_rows(workflow, tasks, transitions, highlight_task_ids=highlight_task_ids, marks=marks)


def diagram_svg_from_rows(
    workflow: WorkflowDefinition,
    tasks: list,
    transitions: list,
    *,
    highlight_task_ids: Iterable[int] = frozenset(),
    marks: DiagramMarks | None = None,
) -> str:
    """The drawing of rows with the attributes read above (tasks: pk, title, slug,
    assignee_role__name; transitions: slug, from_task_id, to_task_id, condition, priority), in
    that order; the live check draws a page's unsaved rows with it."""
    marks = marks or DiagramMarks()
    highlight = sorted(set(highlight_task_ids) | set(marks.tasks))
    # The layout is most of the drawing's time, and a workflow is shown far more often than it
    # changes. A drawing is kept under a digest of all it shows, so the same workflow shown again
    # is not laid out again, while any change (a title, a role's name, a condition, the
    # language, the marked tasks and transitions, their findings) draws a new one. A kept
    # drawing never goes stale. Rows are digested by their values, whatever tuple holds them.
    drawn_from = (
        get_language(),
        workflow.title,
        workflow.version,
        highlight,
        marks.digest(),
        [tuple(task) for task in tasks],
        [tuple(transition) for transition in transitions],
    )
    key = hashlib.sha256(repr(drawn_from).encode()).hexdigest()
    drawings = caches[DIAGRAM_CACHE]
    svg = drawings.get(key)
    if svg is None:
        svg = _draw(workflow, tasks, transitions, set(highlight), marks)
        drawings.set(key, svg)
    return svg


def _draw(workflow: WorkflowDefinition, tasks: list, transitions: list, highlight: set, marks: DiagramMarks) -> str:
    no_role, always, priority_word, end_title = _("no role assigned"), _("always"), _("priority"), _("End")
    nodes: dict[str, _Node] = {START: _Node(START, _("Start"), kind=START, width=TERMINAL_W, height=TERMINAL_H)}
    slugs: dict[str, str] = {}
    for task in tasks:
        role = task.assignee_role__name if task.assignee_role__name is not None else no_role
        key, subtitle = f"t{task.pk}", f"{task.slug} · {role}"
        nodes[key] = _Node(
            key, task.title, subtitle, faulty=task.pk in highlight, width=_task_width(task.title, subtitle)
        )
        slugs[key] = task.slug
    arrows = []
    for t in transitions:
        target = f"t{t.to_task_id}" if t.to_task_id else f"{END}-{t.from_task_id}"
        if target not in nodes:
            # One end per task that ends the workflow, drawn just below it: long arrows from
            # every corner of a big workflow to a single end would cross the whole drawing.
            nodes[target] = _Node(target, end_title, kind=END, width=TERMINAL_W, height=TERMINAL_H)
        condition = t.condition.strip()
        source = f"t{t.from_task_id}" if t.from_task_id else START
        problems = marks.transitions.get(t.slug, ())
        tooltip = f"{t.slug} — {priority_word} {t.priority}: {condition or always}"
        arrows.append(
            _Arrow(
                source=source,
                target=target,
                label=f"{t.priority}: {condition or always}",
                tooltip=" — ".join((tooltip, *problems)),
                faulty=bool(problems),
            )
        )
        if source == target:
            nodes[source].loops += 1
    _layout(nodes, arrows)
    place_labels(nodes, arrows)
    left, top, width, height = drawing_extent(nodes, arrows)
    parts = [_arrow_svg(arrow) for arrow in arrows]
    parts.extend(
        _node_svg(node, slugs.get(key, ""), marks.tasks.get(int(key[1:]), ()) if key in slugs else ())
        for key, node in nodes.items()
    )
    title = _("Workflow %(title)s, version %(version)s") % {"title": workflow.title, "version": workflow.version}
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="wd-diagram" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="{left:.0f} {top:.0f} {width:.0f} {height:.0f}" font-family="sans-serif" role="img" '
        f'aria-label="{_esc(title)}"><title>{_esc(title)}</title>'
        + STYLE
        + '<defs><marker id="wd-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>'
        + "".join(parts)
        + "</svg>"
    )


Box = tuple[float, float, float, float]  # centre x, centre y, width, height


@dataclass(frozen=True)
class WorkflowLayout:
    """Where the diagram places a workflow's start, end and tasks (by slug)."""

    start: Box
    end: Box
    tasks: Mapping[str, Box]


def workflow_layout(tasks: Iterable[Mapping], transitions: Iterable[Mapping]) -> WorkflowLayout:
    """The diagram's placement of a workflow given as bundle rows (tasks by slug, transitions by
    task slugs, None for start and end), for other drawings of it (BPMN's diagram interchange).
    One end for the whole workflow, as BPMN draws it."""
    nodes = {START: _Node(START, "", kind=START, width=TERMINAL_W, height=TERMINAL_H)}
    for task in tasks:
        key = f"t:{task['slug']}"
        nodes[key] = _Node(key, task["title"], width=_task_width(task["title"], task["slug"]))
    nodes[END] = _Node(END, "", kind=END, width=TERMINAL_W, height=TERMINAL_H)
    arrows = []
    for transition in transitions:
        source = f"t:{transition['from_task']}" if transition["from_task"] else START
        target = f"t:{transition['to_task']}" if transition["to_task"] else END
        if source == target:
            nodes[source].loops += 1
        arrows.append(_Arrow(source, target, "", ""))
    _layout(nodes, arrows)

    def box(node: _Node) -> Box:
        return (node.x, node.y, node.width, node.height)

    return WorkflowLayout(
        box(nodes[START]), box(nodes[END]), {key[2:]: box(node) for key, node in nodes.items() if key.startswith("t:")}
    )
