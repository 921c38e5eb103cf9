"""backprop: a computational graph (a neuron, a neuron with a loss, a two-layer network) with the forward
value at every node and then the gradient of the output at every node, asked as the parts of one problem.

The family works each value out the way a student does: forward node by node, then backward with upstream
gradient times local derivative (exact rationals throughout). Every part also carries an independent check
(the node's expression in the leaves, or the output with the node shifted), which quizgen.verify tests by
evaluation and finite differences through the whole graph, so the two never share arithmetic.

Numbers stay doable by hand: small integers, a leaky slope of 1/10, and a sigmoid or tanh whose input is
ln r (the bias is "ln r - s"), so sigma(ln 3) = 3/4 and tanh(ln 2) = 3/5 are exact; the prompt gives them.
No ReLU input is 0 (the kink): such a draw is declined.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import ClassVar

import sympy

from quizgen.families.kit import (
    ACTIVATION_NAMES,
    LEAKY_SLOPE,
    PART_SHIFT,
    SIGMOID_LN_R,
    TANH_LN_R,
    Ask,
    Draft,
    DraftGraph,
    DraftNode,
    DraftPart,
    DraftStep,
    Family,
    SlotSpec,
    activation_expr,
    exact_at_ln,
    label,
    plain,
    var,
)
from quizgen.families.kit import (
    tex_ln as tex,
)
from quizgen.families.options import Choice, Integer, OptionDeclaration, Type

ACTIVATIONS = ("relu", "leaky_relu", "sigmoid", "tanh")
LOSSES = ("half_squared", "squared")
ONE = sympy.Integer(1)
ZERO = sympy.Integer(0)
LABELS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class _Node:
    """A computed node: op applied to its inputs (names of leaves or earlier nodes).

    ops: mul (two inputs), add, affine (w1, x1, w2, x2, ..., b: the sum of wk xk plus b), relu,
    leaky_relu, sigmoid, tanh, linear (a copy), half_squared and squared (inputs a, t), bce (inputs a, t).
    """

    name: str
    op: str
    inputs: tuple[str, ...]


def _sym_op(op: str, args: list[sympy.Basic]) -> sympy.Basic:
    """The node as a sympy expression of its inputs: what the independent check evaluates."""
    if op == "mul":
        return args[0] * args[1]
    if op == "add":
        return sympy.Add(*args)
    if op == "affine":
        return sympy.Add(*[args[i] * args[i + 1] for i in range(0, len(args) - 1, 2)], args[-1])
    if op in ACTIVATION_NAMES:
        return activation_expr(op, args[0])  # the same expression the neuron family builds
    if op == "half_squared":
        return (args[0] - args[1]) ** 2 / 2
    if op == "squared":
        return (args[0] - args[1]) ** 2
    if op == "bce":
        return -(args[1] * sympy.log(args[0]) + (1 - args[1]) * sympy.log(1 - args[0]))
    raise ValueError(op)


def _forward(op: str, vals: list[sympy.Basic]) -> sympy.Basic:
    """The node's exact value from its inputs' values, as worked by hand."""
    if op == "relu":
        return vals[0] if vals[0] > 0 else ZERO
    if op == "leaky_relu":
        return vals[0] if vals[0] > 0 else LEAKY_SLOPE * vals[0]
    if op in ("sigmoid", "tanh"):
        return exact_at_ln(op, sympy.exp(vals[0]))  # vals[0] = ln r: exp simplifies to r
    if op == "bce":
        a, t = vals
        return -sympy.log(a) if t == 1 else -sympy.log(1 - a)
    return _sym_op(op, vals)


def _local(op: str, inputs: tuple[str, ...], vals: dict[str, sympy.Basic], out: sympy.Basic, i: int) -> sympy.Basic:
    """∂(node)/∂(its i-th input) at the forward values: the local derivative rules of the material."""
    args = [vals[n] for n in inputs]
    if op == "mul":
        return args[1 - i]
    if op == "add":
        return ONE
    if op == "affine":
        if i == len(args) - 1:
            return ONE
        return args[i + 1] if i % 2 == 0 else args[i - 1]
    if op == "relu":
        return ONE if args[0] > 0 else ZERO
    if op == "leaky_relu":
        return ONE if args[0] > 0 else LEAKY_SLOPE
    if op == "sigmoid":
        return out * (1 - out)
    if op == "tanh":
        return 1 - out**2
    if op == "linear":
        return ONE
    if op == "half_squared":
        return args[0] - args[1]
    if op == "squared":
        return 2 * (args[0] - args[1])
    if op == "bce":
        a, t = args
        return -t / a + (1 - t) / (1 - a)
    raise ValueError(op)


@dataclass
class _Graph:
    leaves: dict[str, sympy.Basic]  # leaf name -> value, in the order they are shown
    nodes: list[_Node]
    constants: tuple[str, ...] = ("t",)  # leaves never asked about (the target)
    asked_gradients: tuple[str, ...] | None = None  # None: every node and leaf but the output and constants

    @property
    def output(self) -> str:
        return self.nodes[-1].name

    def exprs(self, shift: str | None = None) -> dict[str, sympy.Basic]:
        """Every node (and leaf) as an expression in the leaf symbols; shift adds PART_SHIFT at that node."""
        out: dict[str, sympy.Basic] = {}
        for name in self.leaves:
            out[name] = var(name) + (PART_SHIFT if name == shift else 0)
        for node in self.nodes:
            e = _built(node.op, tuple(out[i] for i in node.inputs))
            out[node.name] = e + PART_SHIFT if node.name == shift else e
        return out

    def values(self) -> dict[str, sympy.Basic]:
        vals = dict(self.leaves)
        for node in self.nodes:
            vals[node.name] = _forward(node.op, [vals[i] for i in node.inputs])
        return vals

    def gradients(self, vals: dict[str, sympy.Basic]) -> dict[str, list[tuple[str, sympy.Basic]]]:
        """For every name, the (consumer, local derivative) pairs its gradient sums over."""
        uses: dict[str, list[tuple[str, sympy.Basic]]] = {n: [] for n in [*self.leaves, *(m.name for m in self.nodes)]}
        for node in self.nodes:
            for i, name in enumerate(node.inputs):
                uses[name].append((node.name, _local(node.op, node.inputs, vals, vals[node.name], i)))
        return uses


def _name_tex(name: str) -> str:
    head = name.rstrip("0123456789")
    digits = name[len(head) :]
    return f"{head}_{{{digits}}}" if digits else head


def _d_text(out: str, of: str) -> str:
    return f"∂{out}/∂{of}"


def _d_tex(out: str, of: str) -> str:
    return rf"\frac{{\partial {_name_tex(out)}}}{{\partial {_name_tex(of)}}}"


def _neuron(
    rng: random.Random,
    slot: SlotSpec,
    n: int,
    *,
    products: bool,
    activation: str,
    loss: str | None,
    target_binary: bool = False,
) -> _Graph | None:
    lo, hi = slot.coefficients
    xs = [sympy.Integer(_nonzero(rng, lo, hi)) for _ in range(n)]
    ws = [sympy.Integer(_nonzero(rng, lo, hi)) for _ in range(n)]
    s = sum(w * x for w, x in zip(ws, xs))
    if activation in ("sigmoid", "tanh"):
        r = rng.choice(SIGMOID_LN_R if activation == "sigmoid" else TANH_LN_R)
        b: sympy.Basic = sympy.log(r) - s  # z = ln r exactly: sigma(z) and tanh(z) are then simple fractions
    else:
        b = sympy.Integer(rng.randint(lo, hi))
        z = s + b
        if z == 0 or (activation == "relu" and z < 0):
            return None  # a kink, or a dead ReLU whose every gradient is 0
    leaves: dict[str, sympy.Basic] = {}
    for k in range(n):
        leaves[f"x{k + 1}"] = xs[k]
        leaves[f"w{k + 1}"] = ws[k]
    leaves["b"] = b
    nodes: list[_Node] = []
    if products:
        for k in range(n):
            nodes.append(_Node(f"p{k + 1}", "mul", (f"w{k + 1}", f"x{k + 1}")))
        nodes.append(_Node("z", "add", (*(f"p{k + 1}" for k in range(n)), "b")))
    else:
        inputs = [name for k in range(n) for name in (f"w{k + 1}", f"x{k + 1}")]
        nodes.append(_Node("z", "affine", (*inputs, "b")))
    if activation == "linear":
        pass
    else:
        nodes.append(_Node("a", activation, ("z",)))
    if loss is not None:
        a = _forward(activation, [s + b]) if activation != "linear" else s + b
        t = sympy.Integer(rng.randint(0, 1)) if target_binary else sympy.Integer(rng.randint(lo, hi))
        if a == t:
            return None  # a zero loss gradient: every gradient would be 0
        leaves["t"] = t
        nodes.append(_Node("L", loss, ("a", "t")))
    return _Graph(leaves, nodes)


def _two_layer(rng: random.Random, slot: SlotSpec, hidden: int) -> _Graph | None:
    lo, hi = slot.coefficients
    leaves: dict[str, sympy.Basic] = {
        "x1": sympy.Integer(_nonzero(rng, lo, hi)),
        "x2": sympy.Integer(_nonzero(rng, lo, hi)),
    }
    nodes: list[_Node] = []
    active = 0
    for j in range(1, hidden + 1):
        w1, w2, b = _nonzero(rng, lo, hi), _nonzero(rng, lo, hi), rng.randint(lo, hi)
        z = w1 * leaves["x1"] + w2 * leaves["x2"] + b
        if z == 0:
            return None  # on the kink
        active += int(bool(z > 0))
        leaves[f"w{j}1"], leaves[f"w{j}2"], leaves[f"b{j}"] = sympy.Integer(w1), sympy.Integer(w2), sympy.Integer(b)
        nodes.append(_Node(f"z{j}", "affine", (f"w{j}1", "x1", f"w{j}2", "x2", f"b{j}")))
        nodes.append(_Node(f"h{j}", "relu", (f"z{j}",)))
    if active < 2:
        return None  # the paths into x1 must add up to something
    for j in range(1, hidden + 1):
        leaves[f"v{j}"] = sympy.Integer(_nonzero(rng, lo, hi))
    leaves["c"] = sympy.Integer(rng.randint(lo, hi))
    nodes.append(_Node("y", "affine", (*(n for j in range(1, hidden + 1) for n in (f"v{j}", f"h{j}")), "c")))
    leaves["t"] = sympy.Integer(rng.randint(lo, hi))
    nodes.append(_Node("L", "half_squared", ("y", "t")))
    graph = _Graph(leaves, nodes)
    if graph.values()["y"] == leaves["t"]:
        return None
    asked = (
        "y",
        *(f"v{j}" for j in range(1, hidden + 1)),
        "c",
        *(f"h{j}" for j in range(1, hidden + 1)),
        *(f"z{j}" for j in range(1, hidden + 1)),
        "w11",
        "b1",
        "x1",
    )
    graph.asked_gradients = asked
    return graph


def _nonzero(rng: random.Random, lo: int, hi: int) -> int:
    choices = [v for v in range(lo, hi + 1) if v != 0]
    return rng.choice(choices)


_BUILT: dict[tuple[str, tuple[sympy.Basic, ...]], sympy.Basic] = {}
_BUILT_LIMIT = 20_000


def _built(op: str, args: tuple[sympy.Basic, ...]) -> sympy.Basic:
    """_sym_op, remembered: a draft rebuilds its graph once per asked gradient (the output with one node
    shifted), and every node upstream of the shift is the same expression again. Building a ReLU's Max
    (sympy compares its arguments by factoring) was most of a draw's time."""
    key = (op, args)
    hit = _BUILT.get(key)
    if hit is None:
        if len(_BUILT) >= _BUILT_LIMIT:
            _BUILT.clear()
        hit = _BUILT[key] = _sym_op(op, list(args))
    return hit


def _op_text(node: _Node) -> tuple[str, str]:
    """The node's definition as shown in the prompt, plain and LaTeX."""
    i = node.inputs
    t = [_name_tex(n) for n in i]
    if node.op == "mul":
        return f"{i[0]}·{i[1]}", rf"{t[0]} {t[1]}"
    if node.op == "add":
        return " + ".join(i), " + ".join(t)
    if node.op == "affine":
        pairs = [(i[k], i[k + 1]) for k in range(0, len(i) - 1, 2)]
        tp = [(t[k], t[k + 1]) for k in range(0, len(t) - 1, 2)]
        return (
            " + ".join(f"{a}·{b}" for a, b in pairs) + f" + {i[-1]}",
            " + ".join(f"{a} {b}" for a, b in tp) + f" + {t[-1]}",
        )
    if node.op == "relu":
        return f"max(0, {i[0]})", rf"\max(0, {t[0]})"
    if node.op == "leaky_relu":
        return f"max({i[0]}, {i[0]}/10)", rf"\max\left({t[0]}, \tfrac{{{t[0]}}}{{10}}\right)"
    if node.op == "sigmoid":
        return f"σ({i[0]})", rf"\sigma({t[0]})"
    if node.op == "tanh":
        return f"tanh({i[0]})", rf"\tanh({t[0]})"
    if node.op == "linear":
        return i[0], t[0]
    if node.op == "half_squared":
        return f"(1/2)({i[0]} - {i[1]})^2", rf"\tfrac{{1}}{{2}}({t[0]} - {t[1]})^{{2}}"
    if node.op == "squared":
        return f"({i[0]} - {i[1]})^2", rf"({t[0]} - {t[1]})^{{2}}"
    if node.op == "bce":
        return (
            f"-({i[1]} ln {i[0]} + (1 - {i[1]}) ln(1 - {i[0]}))",
            rf"-\left({t[1]} \ln {t[0]} + (1 - {t[1]}) \ln(1 - {t[0]})\right)",
        )
    raise ValueError(node.op)


def _symbol(node: _Node) -> tuple[str, str]:
    """What a diagram draws in the node: the operation's symbol, plain and LaTeX (math mode)."""
    t = [_name_tex(n) for n in node.inputs]
    symbols = {
        "mul": ("×", r"\times"),
        "add": ("+", "+"),
        "affine": ("Σ", r"\Sigma"),
        "relu": ("ReLU", r"\mathrm{ReLU}"),
        "leaky_relu": ("LReLU", r"\mathrm{LReLU}"),
        "sigmoid": ("σ", r"\sigma"),
        "tanh": ("tanh", r"\tanh"),
        "linear": ("id", r"\mathrm{id}"),
        "bce": ("BCE", r"\mathrm{BCE}"),
    }
    if node.op == "half_squared":
        return f"½({node.inputs[0]} − {node.inputs[1]})²", rf"\tfrac{{1}}{{2}}({t[0]}-{t[1]})^{{2}}"
    if node.op == "squared":
        return f"({node.inputs[0]} − {node.inputs[1]})²", rf"({t[0]}-{t[1]})^{{2}}"
    return symbols[node.op]


def _diagram(graph: _Graph) -> DraftGraph:
    """The graph for diagrams: the leaves with their given values, then the operations."""
    leaves = [
        DraftNode(name=n, op="input", label=n, label_latex=_name_tex(n), name_latex=_name_tex(n), value=v)
        for n, v in graph.leaves.items()
    ]
    ops = [
        DraftNode(
            name=n.name,
            op=n.op,
            label=_symbol(n)[0],
            label_latex=_symbol(n)[1],
            name_latex=_name_tex(n.name),
            inputs=n.inputs,
        )
        for n in graph.nodes
    ]
    return DraftGraph(nodes=(*leaves, *ops), output=graph.output)


def _given(graph: _Graph, vals: dict[str, sympy.Basic]) -> tuple[str, str]:
    """The sigmoid or tanh value the student would need a calculator for, stated in the prompt."""
    for node in graph.nodes:
        if node.op in ("sigmoid", "tanh"):
            z, a = vals[node.inputs[0]], vals[node.name]
            f = "σ" if node.op == "sigmoid" else "tanh"
            ft = r"\sigma" if node.op == "sigmoid" else r"\tanh"
            return f" Use {f}({plain(z)}) = {plain(a)}.", f" Use ${ft}\\left({tex(z)}\\right) = {tex(a)}$."
    return "", ""


class Backprop(Family):
    name: ClassVar[str] = "backprop"
    summary: ClassVar[str] = "a computational graph: the forward value at every node, then the gradient at every node"
    asks: ClassVar[tuple[Ask, ...]] = ("value",)
    default_variables: ClassVar[tuple[str, ...]] = ("x1", "x2")
    min_variables: ClassVar[int] = 1
    max_variables: ClassVar[int] = 4
    difficulties: ClassVar[tuple[int, ...]] = (1, 2, 3)
    options: ClassVar[dict[str, OptionDeclaration]] = {
        "activation": Choice(
            choices=(*ACTIVATIONS, "linear"),
            default_text="linear or relu at difficulty 1; any of relu, leaky_relu, sigmoid, tanh at 2",
            help="The neuron's activation (difficulty 1-2). sigmoid and tanh get an input ln r, so their values "
            "are simple fractions, given in the prompt.",
        ),
        "loss": Choice(
            choices=LOSSES,
            default_text="either at difficulty 2",
            help="half_squared: L = ½(a - t)²; squared: L = (a - t)² (difficulty 2).",
        ),
        "inputs": Integer(
            minimum=2, maximum=3, default_text="2 or 3", help="The neuron's number of inputs (difficulty 1-2)."
        ),
        "part_points": Type(
            type=float,
            help="Points for each part; the problem is then worth their sum (default: the slot's "
            "points shared by the parts).",
        ),
    }

    def check_slot(self, slot: SlotSpec) -> list[tuple[str | None, str]]:
        """Keys that do not apply to the slot's difficulty, found when the bank is loaded."""
        problems: list[tuple[str | None, str]] = []
        if slot.difficulty == 1 and slot.options.get("activation") not in (None, "linear", "relu"):
            problems.append(("activation", "difficulty 1 is linear or relu; use difficulty 2 for other activations"))
        if slot.difficulty == 2 and slot.options.get("activation") == "linear":
            problems.append(("activation", "difficulty 2 uses relu, leaky_relu, sigmoid or tanh"))
        if slot.difficulty != 2 and slot.options.get("loss"):
            problems.append(("loss", "only difficulty 2 takes a loss option (difficulty 1 has none, 3 fixes its own)"))
        if slot.difficulty == 3 and (slot.options.get("activation") or slot.options.get("inputs")):
            problems.append(
                (
                    "activation" if slot.options.get("activation") else "inputs",
                    "difficulty 3 draws its own network (a two-layer ReLU net or sigmoid + cross-entropy)",
                )
            )
        return problems

    def draw(self, slot: SlotSpec, rng: random.Random) -> Draft | None:
        graph = self._graph(slot, rng)
        return None if graph is None else _draft(graph)

    def _graph(self, slot: SlotSpec, rng: random.Random) -> _Graph | None:
        activation = slot.options.get("activation")
        loss = slot.options.get("loss")
        inputs = slot.options.get("inputs")
        n = inputs or rng.choice((2, 3))
        if slot.difficulty == 1:
            return _neuron(
                rng, slot, n, products=True, activation=activation or rng.choice(("linear", "relu")), loss=None
            )
        if slot.difficulty == 2:
            return _neuron(
                rng,
                slot,
                n,
                products=False,
                activation=activation or rng.choice(ACTIVATIONS),
                loss=loss or rng.choice(LOSSES),
            )
        if rng.random() < 0.35:
            return _neuron(rng, slot, n, products=False, activation="sigmoid", loss="bce", target_binary=True)
        return _two_layer(rng, slot, rng.choice((2, 3)))


def _draft(graph: _Graph) -> Draft | None:
    vals = graph.values()
    uses = graph.gradients(vals)
    out = graph.output
    exprs = graph.exprs()
    # backward: gradient of the output at every name, summing over the consumers (the multi-path chain rule)
    grad: dict[str, sympy.Basic] = {out: ONE}
    for name in [*(n.name for n in reversed(graph.nodes[:-1])), *graph.leaves]:  # consumers come first
        grad[name] = sympy.Add(*[grad[c] * d for c, d in uses[name]])
    value_names = [n.name for n in graph.nodes]
    if graph.asked_gradients is not None:
        grad_names = list(graph.asked_gradients)
    else:
        order = [*reversed(value_names), *graph.leaves]
        grad_names = [n for n in order if n != out and n not in graph.constants]
    if all(grad[n] == 0 for n in grad_names):
        return None  # nothing flows back: a dull graph
    labels = iter(LABELS)
    label_of: dict[tuple[str, str], str] = {}
    parts: list[DraftPart] = []
    steps: list[DraftStep] = []
    node_by_name = {n.name: n for n in graph.nodes}
    for name in value_names:
        node = node_by_name[name]
        lab = next(labels)
        label_of[("value", name)] = lab
        rule = None
        if node.op not in ("sigmoid", "tanh", "bce"):
            rule = _sym_op(
                node.op,
                [
                    sympy.Symbol(label_of[("value", i)]) if ("value", i) in label_of else graph.leaves[i]
                    for i in node.inputs
                ],
            )
        d_text, d_tex = _op_text(node)
        step = DraftStep(
            text=f"{name} = {d_text} = {plain(vals[name])}",
            latex=label("Forward:") + f"{_name_tex(name)} = {d_tex} = {tex(vals[name])}",
        )
        steps.append(step)
        parts.append(
            DraftPart(
                label=lab,
                kind="value",
                of=name,
                answer=vals[name],
                prompt_text=f"the value of {name}",
                prompt_latex=f"the value of ${_name_tex(name)}$",
                check=exprs[name],
                rule=rule,
                steps=[step],
            )
        )
    for name in grad_names:
        lab = next(labels)
        label_of[("gradient", name)] = lab
        terms_text, terms_tex, rule_terms = [], [], []
        for consumer, local in uses[name]:
            up = label_of.get(("gradient", consumer))
            rule_terms.append((sympy.Symbol(up) if up else grad[consumer]) * local)
            terms_text.append(f"({plain(grad[consumer])})({plain(local)})")
            terms_tex.append(rf"\left({tex(grad[consumer])}\right)\left({tex(local)}\right)")
        chain_text = " + ".join(f"{_d_text(out, c)}·{_d_text(c, name)}" for c, _ in uses[name])
        chain_tex = " + ".join(rf"{_d_tex(out, c)} {_d_tex(c, name)}" for c, _ in uses[name])
        step = DraftStep(
            text=f"{_d_text(out, name)} = {chain_text} = {' + '.join(terms_text)} = {plain(grad[name])}",
            latex=label("Backward:")
            + f"{_d_tex(out, name)} = {chain_tex} = {' + '.join(terms_tex)} = {tex(grad[name])}",
        )
        steps.append(step)
        parts.append(
            DraftPart(
                label=lab,
                kind="gradient",
                of=name,
                answer=grad[name],
                prompt_text=_d_text(out, name),
                prompt_latex=f"${_d_tex(out, name)}$",
                check=graph.exprs(shift=name)[out],
                rule=sympy.Add(*rule_terms),
                steps=[step],
            )
        )
    variables = [var(n) for n in graph.leaves]
    point = {var(n): v for n, v in graph.leaves.items()}
    defs_text = ", ".join(f"{n.name} = {_op_text(n)[0]}" for n in graph.nodes)
    defs_tex = ", ".join(f"${_name_tex(n.name)} = {_op_text(n)[1]}$" for n in graph.nodes)
    at_text = ", ".join(f"{k} = {plain(v)}" for k, v in graph.leaves.items())
    at_tex = ", ".join(f"${_name_tex(k)} = {tex(v)}$" for k, v in graph.leaves.items())  # each may break
    given_text, given_tex = _given(graph, vals)
    prompt_text = (
        f"A computational graph computes {defs_text}, with {at_text}.{given_text} "
        f"Find the forward value at every node, then the gradient of {out} at every node "
        f"(upstream gradient {_d_text(out, out)} = 1)."
    )
    prompt_latex = (
        f"A computational graph computes {defs_tex}, with {at_tex}.{given_tex} "
        f"Find the forward value at every node, then the gradient of ${_name_tex(out)}$ at every node "
        f"(upstream gradient ${_d_tex(out, out)} = 1$)."
    )
    kinks = [exprs[n.inputs[0]] for n in graph.nodes if n.op in ("relu", "leaky_relu")]
    top = next(n for n in grad_names if n in graph.leaves)
    return Draft(
        function=exprs[out],
        variables=variables,
        wrt=[var(top)],
        answer=grad[top],
        prompt_text=prompt_text,
        prompt_latex=prompt_latex,
        steps=steps,
        kinks=kinks,
        point=point,
        function_latex=f"{_name_tex(out)} = {_op_text(graph.nodes[-1])[1]}",
        definitions={n.name: exprs[n.name] for n in graph.nodes},
        parts=parts,
        graph=_diagram(graph),
    )
