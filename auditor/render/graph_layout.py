"""A layered left-to-right layout of a small directed graph, for inline SVG (no library,
no JavaScript): each node's column is its distance to the sink (``admin`` rightmost), rows
are ordered by the mean row of each node's targets to limit crossings."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace

NODE_H = 26
ROW_GAP = 14
COL_GAP = 90
MARGIN = 12
CHAR_W = 7.0
MAX_LABEL = 36


@dataclass(frozen=True)
class Box:
    id: str
    label: str
    x: float
    y: float
    w: float
    h: float = NODE_H

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass(frozen=True)
class Link:
    source: str
    target: str
    label: str
    d: str  # SVG path data
    label_x: float
    label_y: float
    back: bool = False  # drawn to the same or an earlier column
    caption: str = ""  # the text drawn by the source: its forward links' labels, once


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    boxes: list[Box]
    links: list[Link]


def short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def _columns(nodes: list[str], edges: list[tuple[str, str, str]], sink: str
             ) -> dict[str, int]:
    """Distance to ``sink`` along edges (nodes that cannot reach it: one past the farthest)."""
    into: dict[str, list[str]] = {}
    for source, target, _ in edges:
        into.setdefault(target, []).append(source)
    dist = {sink: 0} if sink in nodes else {}
    queue = deque(dist)
    while queue:
        node = queue.popleft()
        for source in into.get(node, ()):
            if source not in dist:
                dist[source] = dist[node] + 1
                queue.append(source)
    far = max(dist.values(), default=0) + 1
    return {n: dist.get(n, far) for n in nodes}


def layout(edges: list[tuple[str, str, str]], sink: str = "admin") -> Layout:
    """Place the endpoints of ``edges`` ((source, target, label)) in columns by distance to
    ``sink``; links are cubic curves from a box's right side to the target's left side."""
    nodes = sorted({n for s, t, _ in edges for n in (s, t)})
    dist = _columns(nodes, edges, sink)
    depth = max(dist.values(), default=0)
    width_of = max((len(short(n)) for n in nodes), default=4) * CHAR_W + 16
    targets: dict[str, list[str]] = {}
    for source, target, _ in edges:
        targets.setdefault(source, []).append(target)
    rows: dict[str, float] = {}
    columns: dict[int, list[str]] = {}
    for d in range(depth + 1):  # sink first, so every node's targets mostly have rows
        members = [n for n in nodes if dist[n] == d]

        def key(node: str) -> tuple[float, str]:
            placed = [rows[t] for t in targets.get(node, ()) if t in rows]
            return (sum(placed) / len(placed) if placed else 0.0, node)

        members.sort(key=key)
        columns[d] = members
        for i, node in enumerate(members):
            rows[node] = float(i)
    tallest = max((len(c) for c in columns.values()), default=1)
    height = MARGIN * 2 + tallest * (NODE_H + ROW_GAP) - ROW_GAP
    boxes: dict[str, Box] = {}
    for d, members in columns.items():
        x = MARGIN + (depth - d) * (width_of + COL_GAP)
        offset = (tallest - len(members)) * (NODE_H + ROW_GAP) / 2
        for i, node in enumerate(members):
            y = MARGIN + offset + i * (NODE_H + ROW_GAP)
            boxes[node] = Box(node, short(node), x, y, width_of)
    links = []
    for source, target, label in edges:
        a, b = boxes[source], boxes[target]
        x1, y1, x2, y2 = a.x + a.w, a.cy, b.x, b.cy
        if x2 <= x1:  # same or earlier column: a loop below, unlabelled (title only)
            d_path = (f"M{x1:.1f},{y1:.1f} C{x1 + COL_GAP:.1f},{y1 + 40:.1f} "
                      f"{x2 - COL_GAP:.1f},{y2 + 40:.1f} {x2:.1f},{y2:.1f}")
            links.append(Link(source, target, label, d_path, x1, y1, back=True))
            continue
        bend = max(COL_GAP / 2, (x2 - x1) / 3)
        d_path = (f"M{x1:.1f},{y1:.1f} C{x1 + bend:.1f},{y1:.1f} "
                  f"{x2 - bend:.1f},{y2:.1f} {x2:.1f},{y2:.1f}")
        # the label sits by the source, where rows differ (targets are shared)
        links.append(Link(source, target, label, d_path, x1 + 6, y1 - 4))
    captions: dict[str, list[str]] = {}
    for link in links:
        if not link.back and link.label not in captions.setdefault(link.source, []):
            captions[link.source].append(link.label)
    seen: set[str] = set()
    for i, link in enumerate(links):
        if not link.back and link.source not in seen:
            seen.add(link.source)
            links[i] = replace(link, caption=", ".join(captions[link.source]))
    total_w = MARGIN * 2 + (depth + 1) * width_of + depth * COL_GAP
    return Layout(total_w, height, [boxes[n] for n in nodes], links)
