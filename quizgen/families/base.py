"""What a problem family is: one topic that draws a random function, its key, worked steps and typical mistakes.

A new family is one module with a Family subclass plus one entry point in pyproject.toml
(group "quizgen.families"); nothing else changes. The generator (quizgen.generate) turns a Draft into a
Problem: it prints expressions, checks the key against a numeric central difference away from the kinks,
rejects degenerate or duplicate draws and redraws.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import sympy

from quizgen.families.options import OptionDeclaration
from quizgen.problem import Ask


@dataclass(frozen=True)
class SlotSpec:
    """One validated slot of a bank: everything a family may read when drawing.

    coefficients is the inclusive integer range coefficients are drawn from (0 never drawn as a
    coefficient). wrt is the variable asked for (None: the family picks one at random, or all for a
    gradient). point is None, "random" (the family draws integer values for every variable), or explicit
    values. options holds the family-specific keys the bank gives (defaults are not filled in), already
    validated against Family.options and Family.check_slot.
    """

    number: int
    family: str
    difficulty: int
    points: float
    ask: Ask
    variables: tuple[str, ...] | None = None
    coefficients: tuple[int, int] = (1, 5)
    wrt: str | None = None
    point: str | dict[str, int] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    working: float | None = None  # cm of room for working on the worksheet; None: the renderer's default


@dataclass(frozen=True)
class DraftStep:
    """A worked-solution step: a sentence and, optionally, the expression it arrives at."""

    text: str
    expr: sympy.Basic | list[sympy.Basic] | None = None
    latex: str | None = None  # overrides the LaTeX made from text and expr


@dataclass(frozen=True)
class DraftMistake:
    kind: str
    answer: sympy.Basic | list[sympy.Basic]
    feedback: str


PART_SHIFT = sympy.Symbol("part_shift")
"""The symbol a gradient part's check expression is shifted by (see DraftPart.check)."""


@dataclass(frozen=True)
class DraftPart:
    """One part of a multi-part problem: a node's forward value or the output's gradient at a node.

    label addresses the part on answer sheets ("a", "b", ...); of names the node. answer is the exact
    number. check lets quizgen.verify test the answer independently of how the family computed it: for
    a value part, the node's expression in the problem's variables (evaluated at the point); for a
    gradient part, the output with PART_SHIFT added to that node (its slope along PART_SHIFT at 0 is the
    gradient). rule is the local rule the part follows from earlier parts, an expression in the symbols
    named after those parts' labels (a forward op for a value, upstream gradient times the local
    derivative for a gradient), used for carried-forward credit; None when there is none.
    """

    label: str
    kind: str  # "value" or "gradient"
    of: str
    answer: sympy.Basic
    prompt_text: str
    prompt_latex: str
    check: sympy.Basic
    rule: sympy.Basic | None = None
    weight: float = 1.0
    steps: list[DraftStep] = field(default_factory=list)


@dataclass(frozen=True)
class DraftNode:
    """One node of a computational graph, for diagrams: a leaf (op "input", with its given value) or an
    operation on earlier nodes. label/label_latex are drawn in the node (the leaf's name, the op's symbol:
    "×", "+", "σ", "ReLU"); name_latex is the node's name in math mode (x_{1})."""

    name: str
    op: str
    label: str
    label_latex: str
    name_latex: str
    inputs: tuple[str, ...] = ()
    value: sympy.Basic | None = None


@dataclass(frozen=True)
class DraftGraph:
    """The graph a multi-part draft asks about: nodes, each after its inputs, and the output. The generator
    links each node to the parts asking its value and its gradient (by the parts' kind and of)."""

    nodes: tuple[DraftNode, ...]
    output: str


@dataclass(frozen=True)
class Draft:
    """A family's raw draw, in sympy objects; the generator turns it into a Problem.

    function is the expression differentiated (f, h(x), L, ...); wrt lists the symbols differentiated by
    (one for a partial, all of them in order for a gradient); answer is the key (a list for a gradient,
    a number when point is set). kinks are expressions g with a kink where g = 0 (the arguments of max and
    ReLU), so checks sample away from them. prompt_text/prompt_latex ask the question in words and math.
    """

    function: sympy.Basic
    variables: list[sympy.Symbol]
    wrt: list[sympy.Symbol]
    answer: sympy.Basic | list[sympy.Basic]
    prompt_text: str
    prompt_latex: str
    steps: list[DraftStep]
    mistakes: list[DraftMistake] = field(default_factory=list)
    kinks: list[sympy.Basic] = field(default_factory=list)
    point: dict[sympy.Symbol, sympy.Rational] | None = None
    function_latex: str | None = None  # e.g. to show 3(2x^2)^5 unexpanded; default sympy.latex(function)
    definitions: dict[str, sympy.Basic] = field(default_factory=dict)
    """Names the prompt defines for intermediate quantities (z, a of a neuron; u, v, h of a chain), each
    as an expression in the variables: an answer may use them (Problem.definitions)."""
    parts: list[DraftPart] = field(default_factory=list)
    """The parts of a multi-part problem, in the order they are asked; [] for a one-answer problem."""
    graph: DraftGraph | None = None
    """The computational graph the parts are about, drawn on worksheets, keys and feedback pages."""


class Family(ABC):
    """Base of every problem family. Subclasses set the class attributes and implement draw()."""

    name: ClassVar[str]
    """The identifier banks use, e.g. "sum_rule"."""
    summary: ClassVar[str]
    """One line for `quizgen bank list`."""
    asks: ClassVar[tuple[Ask, ...]] = ("partial",)
    """What this family can ask; a bank slot asking anything else is a validation error."""
    default_variables: ClassVar[tuple[str, ...]] = ("x", "y")
    min_variables: ClassVar[int] = 1
    max_variables: ClassVar[int] = 4
    difficulties: ClassVar[tuple[int, ...]] = (1, 2, 3)
    options: ClassVar[dict[str, OptionDeclaration]] = {}
    """Family-specific slot keys, each an Option from quizgen.families.options (kind, range or choices,
    default, help); the bank loader checks them at load time and `quizgen bank schema` lists them."""

    def check_slot(self, slot: SlotSpec) -> list[tuple[str | None, str]]:
        """Rules that tie several keys together, run at load time once every key passed its own check.

        Returns (key, message) pairs, key None for the slot as a whole; [] when the slot is fine. draw()
        may rely on every rule declared in options or checked here: it raises no bank errors.
        """
        return []

    @abstractmethod
    def draw(self, slot: SlotSpec, rng: random.Random) -> Draft | None:
        """Draw one problem for the slot, or decline with None.

        Every random choice must come from rng (never the random module), so the same slot and rng state
        give the same Draft. None means "this draw came out degenerate, draw again" (no point off the
        kinks, two terms that cancel, ...): the generator counts it as a "declined" redraw and calls draw
        again with the same rng, which has moved on. A family that declines every draw of a slot makes
        that slot fail with "no valid problem after N draws", so decline only what is rare. A slot the
        family cannot draw at all is a bank error, reported when the bank is loaded, not a None.
        """
