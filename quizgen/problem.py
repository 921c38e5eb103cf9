"""Plain data passed downstream: a Problem, a student's Sheet, and the worked Steps and Mistakes they carry.

Everything after generation (rendering, export, grading) reads these or the manifest, never a family's
internals. Expressions are stored as sympy's str() so they survive JSON unchanged; readers parse them with
quizgen's safe parser, never with sympify.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Ask = Literal["partial", "gradient", "value"]
"""What a problem asks for: one partial derivative, the gradient vector, or a derivative's value at a point."""


@dataclass(frozen=True)
class Step:
    """One line of a worked solution, in plain text and in LaTeX (math mode, no surrounding $)."""

    text: str
    latex: str


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer ("buggy key") and what to tell a student who gives it.

    kind is a stable identifier (forgot_inner, wrong_var, other_var_nonconst, sign, wrong_side,
    off_by_one_exp, swapped_components, missing_component, ...); answer has the same shape as
    Problem.answer (a string, or a list of strings for a gradient).
    """

    kind: str
    answer: str | list[str]
    feedback: str


@dataclass(frozen=True)
class Part:
    """One part of a multi-part problem (manifest contract: README, Manifest, "parts").

    kind is "value" (a node's forward value) or "gradient" (the output's gradient at a node); of names
    the node or variable. answer is a number (sympy str()). rule is the local rule the part follows from
    earlier parts, in symbols named by their labels ("" when none): grading uses it for carried-forward
    credit. steps work the part out.
    """

    label: str
    kind: str
    of: str
    prompt_text: str
    prompt_latex: str
    answer: str
    answer_latex: str
    points: float
    rule: str = ""
    steps: list[Step] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "kind": self.kind,
            "of": self.of,
            "prompt_text": self.prompt_text,
            "prompt_latex": self.prompt_latex,
            "answer": self.answer,
            "answer_latex": self.answer_latex,
            "points": self.points,
            "rule": self.rule,
            "steps": [{"text": s.text, "latex": s.latex} for s in self.steps],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Part:
        values = dict(data)
        values["steps"] = [Step(**s) for s in values.get("steps", [])]
        return cls(**values)


@dataclass(frozen=True)
class GraphNode:
    """One node of a problem's computational graph (manifest contract: docs/manifest.md, "graph").

    op is "input" for a leaf (a given number), else the operation (mul, add, affine, relu, sigmoid, ...);
    label and label_latex are what a diagram draws in the node (plain text, and LaTeX math mode): the
    leaf's name, or the operation's symbol. inputs name earlier nodes (the graph's edges). A leaf carries
    its given value (sympy str, as in `point`); value_part and gradient_part are the labels of the parts
    asking this node's forward value and the output's gradient at it ("" when not asked).
    """

    name: str
    op: str
    label: str
    label_latex: str
    name_latex: str
    inputs: list[str] = field(default_factory=list)
    value: str = ""
    value_latex: str = ""
    value_part: str = ""
    gradient_part: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "op": self.op,
            "label": self.label,
            "label_latex": self.label_latex,
            "name_latex": self.name_latex,
            "inputs": list(self.inputs),
            "value": self.value,
            "value_latex": self.value_latex,
            "value_part": self.value_part,
            "gradient_part": self.gradient_part,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GraphNode:
        values = dict(data)
        values["inputs"] = [str(i) for i in values.get("inputs") or []]
        return cls(**values)


@dataclass(frozen=True)
class Graph:
    """A multi-part problem's computational graph: nodes in order (every node after its inputs), and the
    output whose gradient the parts ask (its upstream gradient is 1). Renderers draw it; nothing grades it."""

    nodes: list[GraphNode]
    output: str

    def to_dict(self) -> dict[str, Any]:
        return {"nodes": [n.to_dict() for n in self.nodes], "output": self.output}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Graph:
        return cls(nodes=[GraphNode.from_dict(n) for n in data.get("nodes") or []], output=str(data["output"]))


@dataclass(frozen=True)
class Problem:
    """One generated exercise with its key. Field meanings are the manifest contract (README, Manifest)."""

    slot: int
    family: str
    difficulty: int
    points: float
    ask: Ask
    prompt_text: str
    prompt_latex: str
    function: str
    function_latex: str
    variables: list[str]
    wrt: list[str]
    point: dict[str, int | str] | None
    answer: str | list[str]
    answer_latex: str
    steps: list[Step] = field(default_factory=list)
    mistakes: list[Mistake] = field(default_factory=list)
    definitions: dict[str, str] = field(default_factory=dict)
    """Names the prompt defines (z, a, u, ...) -> expression in the variables, sympy str() like function.
    Answers may use these names; grading writes them out before checking. {} when the prompt defines none
    (and in manifests written before the field existed)."""
    parts: list[Part] = field(default_factory=list)
    """The parts of a multi-part problem; [] otherwise (and then absent from the manifest, so manifests of
    problems without parts are byte-identical to those written before parts existed)."""
    graph: Graph | None = None
    """The computational graph a multi-part problem asks about (backprop), for diagrams; None otherwise (and
    then absent from the manifest, so other manifests keep their bytes)."""
    working: float | None = None
    """Centimetres of room for working the bank's slot asks for (`working:`); None: the renderer's default by
    family, difficulty and ask. Written to the manifest only when set, so other manifests keep their bytes."""

    def to_dict(self) -> dict[str, Any]:
        # What dataclasses.asdict gives (same keys, same order), built directly: asdict deep-copies
        # recursively and was half the time of writing a large manifest.
        out: dict[str, Any] = {
            "slot": self.slot,
            "family": self.family,
            "difficulty": self.difficulty,
            "points": self.points,
            "ask": self.ask,
            "prompt_text": self.prompt_text,
            "prompt_latex": self.prompt_latex,
            "function": self.function,
            "function_latex": self.function_latex,
            "variables": list(self.variables),
            "wrt": list(self.wrt),
            "point": None if self.point is None else dict(self.point),
            "answer": list(self.answer) if isinstance(self.answer, list) else self.answer,
            "answer_latex": self.answer_latex,
            "steps": [{"text": s.text, "latex": s.latex} for s in self.steps],
            "mistakes": [
                {
                    "kind": m.kind,
                    "answer": list(m.answer) if isinstance(m.answer, list) else m.answer,
                    "feedback": m.feedback,
                }
                for m in self.mistakes
            ],
            "definitions": dict(self.definitions),
        }
        if self.parts:
            out["parts"] = [p.to_dict() for p in self.parts]
        if self.graph is not None:
            out["graph"] = self.graph.to_dict()
        if self.working is not None:
            out["working"] = self.working
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        values = dict(data)
        values["steps"] = [Step(**s) for s in values.get("steps", [])]
        values["mistakes"] = [Mistake(**m) for m in values.get("mistakes", [])]
        values["definitions"] = {str(k): str(v) for k, v in dict(values.get("definitions") or {}).items()}
        values["parts"] = [Part.from_dict(p) for p in values.get("parts") or []]
        values["graph"] = Graph.from_dict(values["graph"]) if values.get("graph") else None
        return cls(**values)


@dataclass(frozen=True)
class Sheet:
    """One student's worksheet: who it is for, the variant code that rebuilds it, and its problems.

    extra keeps the roster's other columns (email, section, SIS ids) for gradebooks.
    """

    student_id: str
    name: str
    variant: str
    problems: list[Problem]
    extra: dict[str, str] = field(default_factory=dict)

    def to_dict(self, *, problems: bool = True) -> dict[str, Any]:
        """The sheet as JSON data; problems=False leaves the problems out (the manifest writer adds them)."""
        out: dict[str, Any] = {
            "student_id": self.student_id,
            "name": self.name,
            "variant": self.variant,
            "extra": dict(self.extra),
        }
        if problems:
            out["problems"] = [p.to_dict() for p in self.problems]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], problem: Callable[[dict[str, Any]], Problem] = Problem.from_dict) -> Sheet:
        """problem builds each problem from its dict (the manifest reader builds a dict shared by several
        sheets once)."""
        return cls(
            student_id=data["student_id"],
            name=data.get("name", ""),
            variant=data["variant"],
            extra=dict(data.get("extra", {})),
            problems=[problem(p) for p in data["problems"]],
        )
