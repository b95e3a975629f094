"""Refuse field patterns that a backtracking regex engine can take exponential time on.

Patterns run in Python's ``re`` on the server and in the browser's ECMA-262 engine (JSON
Schema ``pattern``): both backtrack, so a pattern such as ``(a+)+$`` can hang either on a
40-character value. A linear-time engine on the server would leave the browser exposed,
so the manifest loader refuses such patterns instead, with a hint.

The test is the classic one for exponential backtracking ("EDA"): build the pattern's
position automaton keeping every distinct way of reaching a position (an inner loop and
an outer loop that both lead from ``a`` to ``a`` are two ways), and look for a state from
which one string leads back to it along two different paths. Each such pair multiplies
the work on a failing value; a chain of them is exponential. Patterns whose loops hold a
single character class or a fixed sequence cannot have one and skip the analysis.

Polynomial backtracking (``\\d+\\d+``) is not refused: it is bounded by the value's length,
which ``max_length`` caps.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

#: Characters a character class is tried on: ASCII, plus non-ASCII letters, digits and spaces.
_SAMPLE = [chr(i) for i in range(128)] + list("éßΩж中٣\u00a0\u2003\U0001F600")
#: Bounded repeats are expanded up to this many copies; beyond that they count as a loop.
_MAX_COPIES = 3
#: One escape sequence (\xhh, \uhhhh, an octal escape or an escaped character).
_ESCAPE = re.compile(r"\\(?:x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|0[0-7]{0,2}|.)", re.S)


class UnsafePattern(ValueError):
    """The pattern can backtrack exponentially; ``args[0]`` says which part."""


# -- parsing the portable subset (what both Python's re and ECMA-262 read alike) ---------
# Nodes: ("set", frozenset) one character; ("seq", [nodes]); ("alt", [nodes]);
# ("rep", node, min, max|None); ("empty",) anchors and lookarounds (analysed on their own).

class _Parser:
    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0
        self.lookarounds: list[tuple] = []

    def parse(self) -> tuple:
        node = self.alternation()
        if self.i < len(self.p):  # an unbalanced ")": re.compile refused it already
            raise UnsafePattern("unbalanced parenthesis")
        return node

    def alternation(self) -> tuple:
        branches = [self.sequence()]
        while self.peek("|"):
            self.i += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else ("alt", branches)

    def sequence(self) -> tuple:
        items = []
        while self.i < len(self.p) and self.p[self.i] not in "|)":
            atom = self.atom()
            items.append(self.quantified(atom))
        return ("seq", items)

    def peek(self, text: str) -> bool:
        return self.p.startswith(text, self.i)

    def atom(self) -> tuple:
        p, i = self.p, self.i
        c = p[i]
        if c == "(":
            lookaround = re.match(r"\(\?(?:<?[=!])", p[i:])
            self.i += len(lookaround.group()) if lookaround else (3 if self.peek("(?:") else 1)
            inner = self.alternation()
            self.i += 1  # ")"
            if lookaround:
                self.lookarounds.append(inner)
                return ("empty",)
            return inner
        if c in "^$":
            self.i += 1
            return ("empty",)
        if c == "[":
            end = _class_end(p, i)
            self.i = end
            return ("set", _chars(p[i:end]))
        if c == "\\":
            n = p[i + 1:i + 2]
            if n in ("b", "B"):
                self.i += 2
                return ("empty",)
            if n.isdigit() and n != "0":
                raise UnsafePattern("backreferences (\\1) can take exponential time")
            escape = _ESCAPE.match(p, i)
            if escape is None:  # a trailing backslash
                raise UnsafePattern("the pattern ends with a lone backslash")
            self.i += len(escape.group())
            return ("set", _chars(escape.group()))
        self.i += 1
        return ("set", _chars(re.escape(c) if c != "." else "."))

    def quantified(self, atom: tuple) -> tuple:
        m = re.match(r"(?:\*|\+|\?|\{(\d+)(?:(,)(\d*))?\})\??", self.p[self.i:])
        if not m:
            return atom
        self.i += len(m.group())
        q = m.group()[0]
        if q == "*":
            low, high = 0, None
        elif q == "+":
            low, high = 1, None
        elif q == "?":
            low, high = 0, 1
        else:
            low = int(m.group(1))
            high = low if m.group(2) is None else (int(m.group(3)) if m.group(3) else None)
        return self.quantified(("rep", atom, low, high))  # Python allows a{2}{3}


def _class_end(p: str, i: int) -> int:
    """The index just past the character class starting at ``p[i] == "["``."""
    j = i + 1
    if p.startswith("^", j):
        j += 1
    if p.startswith("]", j):
        j += 1
    while j < len(p) and p[j] != "]":
        j += 2 if p[j] == "\\" else 1
    return j + 1


@lru_cache(maxsize=1024)
def _chars(atom: str) -> frozenset:
    """The sample characters ``atom`` (a class, an escape, a literal or ``.``) matches."""
    if len(atom) == 1 and atom != ".":  # a literal character: itself
        return frozenset(i for i, c in enumerate(_SAMPLE) if c == atom)
    rx = re.compile(atom)
    return frozenset(i for i, c in enumerate(_SAMPLE) if rx.fullmatch(c))


# -- the analysis -------------------------------------------------------------------------


def check_pattern(pattern: str) -> None:
    """Raise :class:`UnsafePattern` if ``pattern`` can backtrack exponentially."""
    _check(pattern)


@lru_cache(maxsize=1024)
def _check(pattern: str) -> None:
    parser = _Parser(pattern)
    for node in [parser.parse(), *parser.lookarounds]:
        if _may_be_ambiguous(node):
            _Automaton(node).refuse_ambiguous_loops()


def _may_be_ambiguous(node: tuple) -> bool:
    """Whether a loop holds a loop or an alternation (otherwise no loop has two paths)."""
    kind = node[0]
    if kind == "rep":
        body = node[1]
        if (node[3] is None or node[3] > 1) and body[0] != "set" and _has_choice(body):
            return True
        return _may_be_ambiguous(body)
    if kind in ("seq", "alt"):
        return any(_may_be_ambiguous(n) for n in node[1])
    return False


def _has_choice(node: tuple) -> bool:
    kind = node[0]
    if kind in ("rep", "alt"):
        return True
    return kind == "seq" and any(_has_choice(n) for n in node[1])


class _Automaton:
    """Positions (one per character class in the expanded pattern) and every way between them."""

    def __init__(self, node: tuple) -> None:
        self.sets: list[frozenset] = []
        self.edges: list[tuple[int, int]] = []  # (from, to); a pair may appear several times
        self._build(node)

    def _build(self, node: tuple) -> tuple[list[int], list[int], bool]:
        kind = node[0]
        if kind == "set":
            self.sets.append(node[1])
            n = len(self.sets) - 1
            return [n], [n], False
        if kind == "empty":
            return [], [], True
        if kind == "alt":
            first, last, nullable = [], [], False
            for branch in node[1]:
                f, l, e = self._build(branch)
                first += f
                last += l
                nullable = nullable or e
            return first, last, nullable
        if kind == "seq":
            return self._sequence(node[1])
        _, body, low, high = node
        copies = min(low, _MAX_COPIES)
        parts: list[tuple] = [body] * copies
        if high is None or high > _MAX_COPIES:
            parts.append(("star", body))
        else:
            parts += [("opt", body)] * (high - copies)
        return self._sequence(parts)

    def _sequence(self, parts: list[tuple]) -> tuple[list[int], list[int], bool]:
        first: list[int] = []
        last: list[int] = []
        nullable = True
        for part in parts:
            f, l, e = self._part(part)
            self.edges += [(a, b) for a in last for b in f]
            if nullable:
                first += f
            last = (last + l) if e else l
            nullable = nullable and e
        return first, last, nullable

    def _part(self, part: tuple) -> tuple[list[int], list[int], bool]:
        if part[0] == "star":
            f, l, _ = self._build(part[1])
            self.edges += [(a, b) for a in l for b in f]  # the loop back: one more way per pair
            return f, l, True
        if part[0] == "opt":
            f, l, _ = self._build(part[1])
            return f, l, True
        return self._build(part)

    def refuse_ambiguous_loops(self) -> None:
        """Raise if one string leads from some state back to it along two different paths."""
        # Nodes of the product are pairs of edge indexes (two runs, each having just taken an
        # edge); a pair of different edges is where the runs differ.
        outgoing: dict[int, list[int]] = {}
        for k, (a, _b) in enumerate(self.edges):
            outgoing.setdefault(a, []).append(k)
        graph: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for x in range(len(self.edges)):
            for y in range(len(self.edges)):
                nexts = []
                for u in outgoing.get(self.edges[x][1], ()):
                    for v in outgoing.get(self.edges[y][1], ()):
                        if self.sets[self.edges[u][1]] & self.sets[self.edges[v][1]]:
                            nexts.append((u, v))
                graph[(x, y)] = nexts
        for component in _strongly_connected(graph):
            if any(x == y for x, y in component) and any(x != y for x, y in component):
                raise UnsafePattern("a repeated part can match the same text in more than one way")


def _strongly_connected(graph: dict) -> Iterator[list]:
    """Tarjan's algorithm, iterative (no recursion limit on large patterns)."""
    index: dict = {}
    low: dict = {}
    on_stack: set = set()
    stack: list = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                yield component
