"""Linear-time replacements for the parts of grandalf's layout that are quadratic in a workflow's size.

What it replaces: grandalf's `Graph(vertices, edges)` (which finds and verifies its connected
components by comparing whole vertex sets once per edge and once per vertex), the rank look-up
of its list of layers (`layers.index(layer)` compares a layer with every layer above it) and the
search its `init_all` runs for the edges to turn around in a cycle (recursive, as deep as the
workflow is long, scanning the whole path at every edge). `workflow_design.rules.diagram` builds
its layout from these pieces instead and still runs grandalf's own Sugiyama layout on them.

The time it saves on the 200- and 1,000-task diagrams is recorded in docs/performance.md.

When it can go: when grandalf's constructors and layer ranks are linear upstream (grandalf 0.8,
the release in use, is not), or when the diagram is laid out by another library.
"""

from __future__ import annotations

from collections.abc import Iterable

from grandalf.graphs import Edge, Vertex, graph_core
from grandalf.utils import Poset


class Component(graph_core):
    """One connected part of the drawing, in the form grandalf's layout reads.

    `components` finds the parts beforehand, so this constructor only records them.
    """

    def __init__(self, vertices: list[Vertex], edges: list[Edge]) -> None:
        super().__init__(directed=True)
        self.sV = Poset(vertices)
        self.sE = Poset(edges)
        for edge in edges:
            edge.attach()
        for vertex in vertices:
            vertex.c = self


class RankedLayers(list):
    """grandalf's list of layers, telling a layer's rank by identity.

    Layers are distinct objects and keep their rank once made, so a table of positions answers
    at once where `list.index` would compare the layer, element by element, with every layer above.
    """

    def index(self, layer, *bounds):  # type: ignore[override]
        if bounds:
            return super().index(layer, *bounds)
        if len(getattr(self, "_positions", ())) != len(self):
            self._positions = {id(item): position for position, item in enumerate(self)}
        return self._positions[id(layer)]


def components(keys: Iterable[str], links: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The connected groups of node keys (union-find), each in node order, ordered by their first node."""
    parent = {key: key for key in keys}

    def find(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for source, target in links:
        parent[find(source)] = find(target)
    groups: dict[str, list[str]] = {}
    for key in parent:
        groups.setdefault(find(key), []).append(key)
    return list(groups.values())


def feedback_edges(vertices: Iterable[Vertex], roots: list[Vertex]) -> list[Edge]:
    """The edges to turn around so that the layout can layer the graph: those leading back to a
    vertex on the current depth-first path. The search visits vertices in the order grandalf's
    own Tarjan search does, so it turns the same edges around."""
    on_path: dict[Vertex, bool] = {}  # False once a vertex's search is finished
    feedback: list[Edge] = []
    for root in [*roots, *vertices]:
        if root in on_path:
            continue
        on_path[root] = True
        stack = [(root, iter(root.e_out()))]
        while stack:
            vertex, outgoing = stack[-1]
            for edge in outgoing:
                target = edge.v[1]
                if target not in on_path:
                    on_path[target] = True
                    stack.append((target, iter(target.e_out())))
                    break
                if on_path[target]:
                    feedback.append(edge)
            else:
                on_path[vertex] = False
                stack.pop()
    return feedback
