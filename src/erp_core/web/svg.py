"""The directly-follows map of a process drawn as SVG geometry on the server (no JS library).

Activities are laid out in columns by their distance from the start activities (breadth first
over the arrows, so loops do not push a node further right), rows within a column in order of
frequency; each arrow becomes a curve whose width grows with its count. The template turns the
geometry into SVG elements, so every activity name is HTML-escaped there."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass

NODE_W = 190
NODE_H = 38
COL_GAP = 90
ROW_GAP = 34
MARGIN = 20


@dataclass(frozen=True)
class Node:
    name: str
    x: int
    y: int
    count: int


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    count: int
    label: str
    path: str
    width: float
    label_x: int
    label_y: int


@dataclass(frozen=True)
class ProcessMap:
    width: int
    height: int
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


def layout(arrows: Iterable[tuple[str, str, int, str]]) -> ProcessMap:
    """Geometry of (source, target, count, label) arrows."""
    arrows = list(arrows)
    outgoing: dict[str, list[str]] = defaultdict(list)
    incoming: dict[str, int] = defaultdict(int)
    weight: dict[str, int] = defaultdict(int)
    names: list[str] = []
    for source, target, count, _ in arrows:
        for name in (source, target):
            if name not in weight:
                names.append(name)
                weight[name] += 0
        outgoing[source].append(target)
        if source != target:
            incoming[target] += count
        weight[source] += count
        weight[target] += count
    starts = [n for n in names if incoming[n] == 0] or names[:1]
    depth: dict[str, int] = {n: 0 for n in starts}
    queue = deque(starts)
    while queue:
        here = queue.popleft()
        for there in outgoing[here]:
            if there not in depth:
                depth[there] = depth[here] + 1
                queue.append(there)
    for n in names:  # unreachable from a start (a cycle of its own)
        depth.setdefault(n, 0)
    columns: dict[int, list[str]] = defaultdict(list)
    for n in sorted(names, key=lambda n: (-weight[n], n)):
        columns[depth[n]].append(n)
    placed: dict[str, Node] = {}
    for col, members in columns.items():
        for row, n in enumerate(members):
            x = MARGIN + col * (NODE_W + COL_GAP)
            y = MARGIN + row * (NODE_H + ROW_GAP)
            placed[n] = Node(n, x, y, weight[n])
    top = max((c for _, _, c, _ in arrows), default=1)
    edges = []
    for source, target, count, label in arrows:
        a, b = placed[source], placed[target]
        width = 1 + 5 * count / top
        if source == target:  # a loop: a small arc above the box
            x0, y0 = a.x + NODE_W - 40, a.y
            path = f"M{x0},{y0} C{x0 - 10},{y0 - 30} {x0 + 30},{y0 - 30} {x0 + 20},{y0}"
            lx, ly = x0 + 5, y0 - 24
        elif b.x > a.x:  # forwards: right side to left side
            x0, y0 = a.x + NODE_W, a.y + NODE_H // 2
            x1, y1 = b.x, b.y + NODE_H // 2
            mid = (x0 + x1) // 2
            path = f"M{x0},{y0} C{mid},{y0} {mid},{y1} {x1},{y1}"
            lx, ly = mid, (y0 + y1) // 2 - 4
        elif b.x == a.x:  # within a column: straight up or down, beside the centre
            x0 = a.x + NODE_W // 2 + 30
            y0, y1 = (a.y, b.y + NODE_H) if b.y < a.y else (a.y + NODE_H, b.y)
            path = f"M{x0},{y0} L{x0},{y1}"
            lx, ly = x0 + 30, (y0 + y1) // 2
        else:  # backwards: bottom to bottom, bending below
            x0, y0 = a.x + NODE_W // 2 + 20, a.y + NODE_H
            x1, y1 = b.x + NODE_W // 2 - 20, b.y + NODE_H
            low = max(y0, y1) + 30
            path = f"M{x0},{y0} C{x0},{low} {x1},{low} {x1},{y1}"
            lx, ly = (x0 + x1) // 2, low - 4
        edges.append(Edge(source, target, count, label, path, round(width, 1), lx, ly))
    width = max((n.x + NODE_W for n in placed.values()), default=0) + MARGIN + 40
    height = max((n.y + NODE_H for n in placed.values()), default=0) + MARGIN + 60
    return ProcessMap(width, height, tuple(placed.values()), tuple(edges))


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    points: str  # "x,y x,y ..." for a polyline
    dots: tuple[tuple[float, float, str], ...]  # x, y, the value shown on hover


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    series: tuple[Series, ...]
    x_labels: tuple[tuple[float, str], ...]
    y_ticks: tuple[tuple[float, str], ...]
    zero_y: float


COLOURS = ("#23395b", "#b5452b", "#3c7d3c", "#8a5fb0", "#a0782a")


def line_chart(
    labels: list[str],
    series: list[tuple[str, list[float | None]]],
    *,
    width: int = 760,
    height: int = 280,
) -> LineChart:
    """Geometry of a line chart: one polyline per series over the `labels` (an undefined value,
    None, breaks nothing: the point is left out). The template draws it and escapes the text."""
    left, right, top, bottom = 56, 110, 14, 30
    values = [v for _, vs in series for v in vs if v is not None]
    low, high = min([0.0, *values]), max([0.0, *values])
    if high == low:
        high = low + 1
    span = high - low
    inner_w, inner_h = width - left - right, height - top - bottom

    def x(i: int) -> float:
        return left + (inner_w * i / (len(labels) - 1) if len(labels) > 1 else inner_w / 2)

    def y(v: float) -> float:
        return top + inner_h * (high - v) / span

    drawn = []
    for n, (name, vs) in enumerate(series):
        dots = tuple(
            (round(x(i), 1), round(y(v), 1), f"{v:,.2f}") for i, v in enumerate(vs) if v is not None
        )
        drawn.append(
            Series(name, COLOURS[n % len(COLOURS)], " ".join(f"{a},{b}" for a, b, _ in dots), dots)
        )
    ticks = tuple((round(y(low + span * k / 4), 1), f"{low + span * k / 4:,.0f}") for k in range(5))
    return LineChart(
        width,
        height,
        tuple(drawn),
        tuple((round(x(i), 1), label) for i, label in enumerate(labels)),
        ticks,
        round(y(0.0), 1),
    )
