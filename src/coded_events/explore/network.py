"""The actor network: node positions (a seeded force layout) and the directed edges.

The layout is computed here, once, in Python, not by a force simulation in the browser,
so that the same events always give the same picture and the same bytes. It is the
Fruchterman-Reingold spring layout (as networkx's ``spring_layout``) started from a circle
in actor-code order with a fixed seed, run a fixed number of steps with a pull to the
centre (so that an actor with no edge stays in view), and rounded.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np

from coded_events.spec.codebook import QUAD_LABELS

SEED = 20240417
ITERATIONS = 120
GRAVITY = 3.0  # a pull to the centre keeps unconnected actors near the others
ARROW_AT = 0.8  # the arrowhead sits this far along an edge, before the target node


def spring_layout(codes: list[str], weights: dict[tuple[int, int], float]) -> np.ndarray:
    """Positions in [0.05, 0.95]^2 for ``codes``, pulled together by weighted edges."""
    n = len(codes)
    if n == 0:
        return np.zeros((0, 2))
    angles = np.linspace(0, 2 * math.pi, n, endpoint=False)
    jitter = np.random.default_rng(SEED).uniform(-0.05, 0.05, size=(n, 2))
    pos = np.column_stack([np.cos(angles), np.sin(angles)]) * 0.5 + jitter
    adjacency = np.zeros((n, n))
    for (i, j), w in weights.items():
        adjacency[i, j] += w
        adjacency[j, i] += w
    k = math.sqrt(1.0 / n)
    temperature = 0.1
    for _ in range(ITERATIONS):
        delta = pos[:, None, :] - pos[None, :, :]
        distance = np.maximum(np.sqrt((delta**2).sum(axis=-1)), 0.01)
        force = k * k / distance**2 - adjacency * distance / k
        displacement = (delta * force[:, :, None]).sum(axis=1) - GRAVITY * k * pos
        length = np.maximum(np.sqrt((displacement**2).sum(axis=1)), 0.01)
        pos += displacement * (np.minimum(length, temperature) / length)[:, None]
        temperature -= 0.1 / (ITERATIONS + 1)
    span = np.maximum(pos.max(axis=0) - pos.min(axis=0), 1e-9)
    return np.round(0.05 + 0.9 * (pos - pos.min(axis=0)) / span, 4)


def _bearing(x1: float, y1: float, x2: float, y2: float) -> float:
    """Clockwise degrees from "up" of the direction (x1, y1) -> (x2, y2), y pointing up."""
    return round(math.degrees(math.atan2(x2 - x1, y2 - y1)) % 360, 2)


def network_payload(
    events: list[dict[str, Any]], actors: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Lay the actors out (adds ``x``, ``y`` and ``ids``) and return the edges.

    One edge per source, target and QuadClass, with the ids of its events; the page counts
    the visible ones (filters) and sizes the edge by that count.
    """
    index = {a["code"]: i for i, a in enumerate(actors)}
    weights: dict[tuple[int, int], float] = defaultdict(float)
    grouped: dict[tuple[str, str, int], list[str]] = defaultdict(list)
    ids: dict[str, list[str]] = defaultdict(list)
    for event in events:
        for code in event["actors"]:
            ids[code].append(event["id"])
        if event["src"] and event["tgt"]:
            weights[index[event["src"]], index[event["tgt"]]] += 1.0
            grouped[event["src"], event["tgt"], event["quad"]].append(event["id"])
    positions = spring_layout([a["code"] for a in actors], weights)
    for actor, (x, y) in zip(actors, positions.tolist(), strict=True):
        actor.update(x=x, y=y, ids=ids[actor["code"]], name_text="; ".join(actor["names"]))
    edges = []
    for (src, tgt, quad), event_ids in sorted(grouped.items()):
        (x1, y1), (x2, y2) = positions[index[src]].tolist(), positions[index[tgt]].tolist()
        offset = (quad - 2.5) * 0.008  # the QuadClasses of one pair side by side
        length = math.hypot(x2 - x1, y2 - y1) or 1.0
        dx, dy = -(y2 - y1) / length * offset, (x2 - x1) / length * offset
        edges.append(
            {
                "src": src,
                "tgt": tgt,
                "quad": quad,
                "quad_label": f"{quad} {QUAD_LABELS.get(quad, '')}".strip(),
                "ids": event_ids,
                "x": round(x1 + dx, 4),
                "y": round(y1 + dy, 4),
                "x2": round(x2 + dx, 4),
                "y2": round(y2 + dy, 4),
                "ax": round(x1 + dx + ARROW_AT * (x2 - x1), 4),
                "ay": round(y1 + dy + ARROW_AT * (y2 - y1), 4),
                "angle": _bearing(x1, y1, x2, y2),
            }
        )
    return edges
