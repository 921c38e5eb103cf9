"""The chain rule in one variable: h(x) = f(g(x)), an outer function of an inner function.

The outer f is c*u^n, c*e^u, c*ln(u), c*sin(u), c*cos(u) or c*sqrt(u); the inner g is a monomial
(difficulty 1), a binomial, e^(kx) or a sine/cosine (2), a trinomial or a product such as x^2 e^(kx) (3).
h is kept unevaluated (3(2x^2)^5, not 96x^10) so the prompt shows the composition the student must see.
The key is h'(x) = f'(g(x)) g'(x) as sympy writes it; when g is a monomial under a power, the steps also
show the shortcut "simplify first, then differentiate" and the key is the expanded monomial (960x^9).
ln and sqrt only get inner functions that are positive for every x, so every check point is in the domain.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import ClassVar, Literal

import sympy

from quizgen.families.kit import (
    Ask,
    Draft,
    DraftMemo,
    DraftStep,
    Family,
    MistakeSpec,
    SlotSpec,
    coef,
    finish,
    mul,
    nonzero_int,
    plain,
    tex,
    tex_ln,
    var,
)
from quizgen.families.options import OptionDeclaration, SubsetOf
from quizgen.verify import Undefined, compile_expr

OUTERS = ("power", "exp", "ln", "sin", "cos", "sqrt")
_DOMAIN_LIMITED = ("ln", "sqrt")
_OUTERS_BY_DIFFICULTY = {1: ("power", "exp", "sin", "cos"), 2: OUTERS, 3: OUTERS}
_TRIES = 30
_FUNCTIONS = {"exp": sympy.exp, "ln": sympy.log, "sin": sympy.sin, "cos": sympy.cos, "sqrt": sympy.sqrt}
_DERIVATIVES: dict[str, tuple[sympy.Rational, Callable[[sympy.Expr, bool], sympy.Expr]]] = {
    # f'(u) = factor * build(u): the outer derivatives, built so that keep=True prints them as written
    "exp": (sympy.Integer(1), lambda a, ev: sympy.exp(a, evaluate=ev)),
    "ln": (sympy.Integer(1), lambda a, ev: sympy.Pow(a, -1, evaluate=ev)),
    "sin": (sympy.Integer(1), lambda a, ev: sympy.cos(a, evaluate=ev)),
    "cos": (sympy.Integer(-1), lambda a, ev: sympy.sin(a, evaluate=ev)),
    "sqrt": (sympy.Rational(1, 2), lambda a, ev: sympy.Pow(sympy.sqrt(a, evaluate=ev), -1, evaluate=ev)),
}


@dataclass(frozen=True)
class _Inner:
    """g(x), its derivative, the rule that gives it, and the buggy inner derivative for wrong_inner."""

    expr: sympy.Expr
    deriv: sympy.Expr
    rule: str
    wrong: sympy.Expr
    wrong_feedback: str
    monomial: bool = False
    rule_latex: str | None = None  # the rule for a \text{} sentence, when it contains math


@dataclass(frozen=True)
class _Outer:
    """f(u) = c * base(u): its name, f(u), f'(u), the rule as text, and the unevaluated h = f(g)."""

    kind: str
    c: int
    n: int

    def apply(self, arg: sympy.Expr, *, derivative: bool = False, keep: bool = True) -> sympy.Expr:
        """f(arg) or f'(arg); keep=True leaves it as written (3(2x^2)^5, sin(-5x) with its sign inside)."""
        ev = not keep
        if self.kind == "power":
            coeff, power = (self.c * self.n, self.n - 1) if derivative else (self.c, self.n)
            core = sympy.Pow(arg, power, evaluate=ev) if power != 1 else arg
        elif not derivative:
            coeff = self.c
            core = _FUNCTIONS[self.kind](arg, evaluate=ev)
        else:
            factor, build = _DERIVATIVES[self.kind]
            coeff = factor * self.c
            core = build(arg, ev)
        coeff = sympy.Rational(coeff)
        if coeff == 1:
            return core
        return mul([coeff, core]) if ev else sympy.Mul(coeff, core, evaluate=False)

    @property
    def rule(self) -> str:
        return {
            "power": "the power rule, (u^n)' = n u^(n-1)",
            "exp": "(e^u)' = e^u",
            "ln": "(ln u)' = 1/u",
            "sin": "(sin u)' = cos u",
            "cos": "(cos u)' = -sin u",
            "sqrt": "(sqrt(u))' = 1/(2 sqrt(u))",
        }[self.kind]

    @property
    def rule_latex(self) -> str:
        return {
            "power": r"the power rule $(u^n)' = n u^{n-1}$",
            "exp": r"$(e^{u})' = e^{u}$",
            "ln": r"$(\ln u)' = \frac{1}{u}$",
            "sin": r"$(\sin u)' = \cos u$",
            "cos": r"$(\cos u)' = -\sin u$",
            "sqrt": r"$(\sqrt{u})' = \frac{1}{2\sqrt{u}}$",
        }[self.kind]

    @property
    def sign_feedback(self) -> str:
        if self.kind == "cos":
            return "Check the sign: the derivative of cos u is -sin u, not +sin u."
        if self.kind == "sin":
            return "Check the sign: the derivative of sin u is +cos u, not -cos u."
        return "The sign is wrong: recheck the sign of the outer derivative and of the inner derivative."


def _positive_coef(rng: random.Random, slot: SlotSpec) -> int | None:
    """A positive coefficient from the slot's range, or None when the range has none."""
    return coef(rng, slot, positive=True) if slot.coefficients[1] >= 1 else None


def _exponent_factor_dropped(expr: sympy.Expr, x: sympy.Symbol) -> sympy.Expr:
    """The buggy power rule a x^k -> a x^(k-1) applied term by term (the factor k forgotten)."""
    terms = sympy.Add.make_args(sympy.expand(expr))
    out = sympy.Integer(0)
    for t in terms:
        coeff, power = t.as_coeff_exponent(x)
        if power != 0:
            out += coeff * x ** (power - 1)
    return out


def _complex(answer: sympy.Basic | list[sympy.Basic]) -> bool:
    """A key or buggy key with the imaginary unit in it (sqrt of a negative number at the point)."""
    return any(part.has(sympy.I) for part in (answer if isinstance(answer, list) else [answer]))


InnerSpec = (
    tuple[Literal["monomial"], int, int]
    | tuple[Literal["polynomial"], tuple[tuple[int, int], ...]]
    | tuple[Literal["exp"], int, int]
    | tuple[Literal["trig"], int, int, str]
    | tuple[Literal["product"], int, int, str, int]
)
"""What was drawn for g, as plain numbers: ("monomial", a, k), ("polynomial", ((coeff, exponent), ...)),
("exp", a, k), ("trig", a, k, "sin"|"cos") or ("product", a, k, "sin"|"cos"|"exp", m). Drawing (rng) and
building (sympy, pure and cached) are separate, so a repeated draw costs no sympy work."""


def _monomial(rng: random.Random, slot: SlotSpec) -> InnerSpec:
    a, k = coef(rng, slot), rng.randint(2, 3)
    return ("monomial", a, k)


def _polynomial(rng: random.Random, slot: SlotSpec, degree: int, positive: bool) -> InnerSpec | None:
    """a x^k + b (degree 1) or a x^2 + b x + c (degree 2); positive=True keeps it > 0 for every x."""
    for _ in range(_TRIES):
        if positive:
            a, c = _positive_coef(rng, slot), _positive_coef(rng, slot)
            if a is None or c is None:
                return None
            if degree == 1:
                return ("polynomial", ((a, 2), (c, 0)))
            b = coef(rng, slot)
            if b * b >= 4 * a * c:
                continue
            return ("polynomial", ((a, 2), (b, 1), (c, 0)))
        if degree == 1:
            a = coef(rng, slot)
            k = rng.randint(2, 3)
            return ("polynomial", ((a, k), (coef(rng, slot), 0)))
        a = coef(rng, slot)
        b = coef(rng, slot)
        return ("polynomial", ((a, 2), (b, 1), (coef(rng, slot), 0)))
    return None


def _rate(rng: random.Random, slot: SlotSpec, bound: int) -> int:
    """The k of e^(kx): from the slot's range but within [-bound, bound] when the range allows, so that
    e^(kx) stays moderate on the check interval (sin(5e^(5x)) oscillates faster than any check resolves)."""
    lo, hi = slot.coefficients
    if any(v != 0 for v in range(max(lo, -bound), min(hi, bound) + 1)):
        lo, hi = max(lo, -bound), min(hi, bound)
    return nonzero_int(rng, lo, hi)


def _exponential(rng: random.Random, slot: SlotSpec, positive: bool, bound: int) -> InnerSpec | None:
    a = _positive_coef(rng, slot) if positive else coef(rng, slot)
    if a is None:
        return None
    return ("exp", a, _rate(rng, slot, bound))


def _trig(rng: random.Random, slot: SlotSpec) -> InnerSpec:
    a, k = coef(rng, slot), coef(rng, slot)
    return ("trig", a, k, "sin" if rng.random() < 0.5 else "cos")


def _product(rng: random.Random, slot: SlotSpec, allow_exp: bool, bound: int) -> InnerSpec:
    a, k = coef(rng, slot), rng.randint(1, 2)
    funcs = ["sin", "cos"] + (["exp"] if allow_exp else [])
    func = funcs[rng.randrange(len(funcs))]
    m = _rate(rng, slot, bound) if func == "exp" else coef(rng, slot)
    return ("product", a, k, func, m)


def _draw_inner(rng: random.Random, slot: SlotSpec, outer: str) -> InnerSpec | None:
    positive = outer in _DOMAIN_LIMITED
    rate = 1 if outer in ("sin", "cos") else 2  # bound on k in e^(kx)
    if slot.difficulty <= 1:
        return _monomial(rng, slot)
    if slot.difficulty == 2:
        kinds = ["polynomial", "exp"] + ([] if positive else ["trig"])
        if outer in ("exp", "ln"):
            # e^(a e^(kx)) overflows floats at the check points; ln(a e^(kx)) = ln a + kx is no chain rule
            kinds.remove("exp")
        kind = kinds[rng.randrange(len(kinds))]
        if kind == "polynomial":
            return _polynomial(rng, slot, 1, positive)
        if kind == "exp":
            return _exponential(rng, slot, positive, rate)
        return _trig(rng, slot)
    if positive or rng.random() < 0.4:
        return _polynomial(rng, slot, 2, positive)
    return _product(rng, slot, outer != "exp", rate)


_TRIG = {"sin": sympy.sin, "cos": sympy.cos, "exp": sympy.exp}


_inners: dict[tuple[InnerSpec, sympy.Symbol], _Inner] = {}


def _build_inner(spec: InnerSpec, x: sympy.Symbol) -> _Inner:
    """g(x), g'(x) and the buggy g' for a drawn spec, remembered: the same inner function comes back under
    every outer one (82 distinct for the demo bank's 933 new compositions of 1,000 students)."""
    hit = _inners.get((spec, x))
    if hit is None:
        if len(_inners) >= _CACHE_LIMIT:
            _inners.clear()
        hit = _inners[(spec, x)] = _new_inner(spec, x)
    return hit


def _new_inner(spec: InnerSpec, x: sympy.Symbol) -> _Inner:
    if spec[0] == "monomial":
        _, a, k = spec
        g = a * x**k
        return _Inner(
            g,
            sympy.diff(g, x),
            "the power rule",
            a * x ** (k - 1),
            f"Your inner derivative is wrong: the power rule brings the exponent down, (x^{k})' = {k}x^{k - 1}.",
            monomial=True,
        )
    if spec[0] == "polynomial":
        g = sympy.Add(*[sympy.Integer(c) * x**e for c, e in spec[1]])
        return _Inner(
            g,
            sympy.diff(g, x),
            "the sum and power rules",
            _exponent_factor_dropped(g, x),
            "Your inner derivative is wrong: in the power rule the exponent comes down as a factor, (x^n)' = n x^(n-1).",
        )
    if spec[0] == "exp":
        _, a, k = spec
        g = a * sympy.exp(k * x)
        return _Inner(
            g,
            sympy.diff(g, x),
            f"the chain rule for e^({plain(k * x)})",
            g,
            f"Your inner derivative is wrong: e^({plain(k * x)}) is itself a composition, so its derivative "
            f"carries the factor {k}.",
            rule_latex=f"the chain rule for ${tex(sympy.exp(k * x))}$",
        )
    if spec[0] == "trig":
        _, a, k, name = spec
        func = _TRIG[name]
        g = a * func(k * x)
        wrong = a * (sympy.cos(k * x) if func is sympy.sin else -sympy.sin(k * x))
        return _Inner(
            g,
            sympy.diff(g, x),
            f"the chain rule for {name}({plain(k * x)})",
            wrong,
            f"Your inner derivative is wrong: {name}({plain(k * x)}) is itself a composition, so its "
            f"derivative carries the factor {k}.",
            rule_latex=f"the chain rule for ${tex(func(k * x))}$",
        )
    _, a, k, name, m = spec
    left, right = a * x**k, _TRIG[name](m * x)
    g = left * right
    return _Inner(
        g,
        sympy.diff(g, x),
        "the product rule, (uv)' = u'v + uv'",
        sympy.diff(left, x) * sympy.diff(right, x),
        "Your inner derivative is wrong: the derivative of a product is u'v + uv', not u'v'.",
        rule_latex="the product rule $(uv)' = u'v + uv'$",
    )


def _outers(slot: SlotSpec) -> tuple[str, ...]:
    """The outer functions this slot may draw: the difficulty's, narrowed by the bank's outer option; empty
    when the slot allows only ln and sqrt but no positive coefficient (ChainSingle.check_slot refuses it)."""
    allowed = _OUTERS_BY_DIFFICULTY.get(slot.difficulty, OUTERS)
    chosen = slot.options.get("outer")
    if chosen:
        allowed = tuple(o for o in allowed if o in chosen) or tuple(o for o in OUTERS if o in chosen)
    if slot.coefficients[1] < 1:  # ln and sqrt need a positive inner function
        allowed = tuple(o for o in allowed if o not in _DOMAIN_LIMITED)
    return allowed


class ChainSingle(Family):
    """h'(x) for h = f(g(x)): outer derivative at the inner function times the inner derivative."""

    name: ClassVar[str] = "chain_single"
    summary: ClassVar[str] = "Chain rule in one variable: outer (power, exp, ln, sin/cos, sqrt) of an inner function"
    asks: ClassVar[tuple[Ask, ...]] = ("partial", "value")
    default_variables: ClassVar[tuple[str, ...]] = ("x",)
    min_variables: ClassVar[int] = 1
    max_variables: ClassVar[int] = 1
    options: ClassVar[dict[str, OptionDeclaration]] = {
        "outer": SubsetOf(
            choices=OUTERS,
            default_text="all the difficulty allows",
            help="The outer functions to draw from; difficulty 1 uses power, exp, sin and cos.",
        ),
    }

    def check_slot(self, slot: SlotSpec) -> list[tuple[str | None, str]]:
        if _outers(slot):
            return []
        return [
            (
                "outer",
                "ln and sqrt need positive coefficients for a positive inner function; allow positive "
                "coefficients or other outer functions",
            )
        ]

    def draw(self, slot: SlotSpec, rng: random.Random) -> Draft | None:
        x = var(slot.variables[0]) if slot.variables else var(self.default_variables[0])
        outers = _outers(slot)
        kind = outers[rng.randrange(len(outers))]
        spec = _draw_inner(rng, slot, kind)
        if spec is None:
            return None
        outer = _Outer(kind, coef(rng, slot), rng.randint(2, 5) if kind == "power" else 1)
        sym = _symbolic(outer, spec, x)
        point = slot.point
        if slot.ask == "value" and not isinstance(point, dict):
            at = _readable_point(rng, sym)
            if at is None:
                return None
            point = {x.name: at}
        key = (outer, spec, x, slot.ask, tuple(sorted(point.items())) if isinstance(point, dict) else point)
        # everything after the draws above is a pure function of them: computed once per key
        return _drafts.get(key, lambda: _finish(replace(slot, point=point), rng, sym, x))


@dataclass
class _Symbolic:
    """h = f(g(x)), its key, worked steps and buggy keys for one drawn outer and inner function."""

    x: sympy.Symbol
    h: sympy.Expr
    key: sympy.Expr
    steps: list[DraftStep]
    mistakes: list[MistakeSpec]
    function_latex: str
    magnitudes: dict[int, float | None] = field(default_factory=dict)
    """|h'(at)| by integer at, filled by _readable_point (None: not a real number there)."""


_CACHE_LIMIT = 20_000
_symbolic_cache: dict[tuple[_Outer, InnerSpec, sympy.Symbol], _Symbolic] = {}
_drafts = DraftMemo()


def _symbolic(outer: _Outer, spec: InnerSpec, x: sympy.Symbol) -> _Symbolic:
    cache_key = (outer, spec, x)
    hit = _symbolic_cache.get(cache_key)
    if hit is not None:
        return hit
    inner = _build_inner(spec, x)
    kind = outer.kind
    u = var("u")
    h = outer.apply(inner.expr)
    f_prime_g = outer.apply(inner.expr, derivative=True)
    shortcut = kind == "power" and inner.monomial
    outer_derivative = outer.apply(inner.expr, derivative=True, keep=False)  # f'(g(x)), evaluated
    chained = mul([outer_derivative, inner.deriv])
    key = sympy.expand(chained) if shortcut else chained

    X, XL = x.name, tex(x)
    steps = [
        DraftStep(
            text=f"Write h({X}) = f(g({X})) with outer function f(u) = {plain(outer.apply(u))} "
            f"and inner function g({X}) = {plain(inner.expr)}.",
            latex=rf"\text{{Write $h({XL}) = f(g({XL}))$ with an outer and an inner function:}} "
            rf"f(u) = {_ln_tex(outer.apply(u))},\quad g({XL}) = {tex(inner.expr)}",
        ),
        DraftStep(
            text=f"Outer derivative by {outer.rule}, evaluated at the inner function: f'(g({X})) =",
            expr=f_prime_g,
            latex=rf"\text{{Outer derivative by {outer.rule_latex}, evaluated at the inner function:}} "
            rf"f'(u) = {tex(outer.apply(u, derivative=True))}\ \Rightarrow\ f'(g({XL})) = {tex(f_prime_g)}",
        ),
        DraftStep(
            text=f"Inner derivative by {inner.rule}: g'({X}) =",
            expr=inner.deriv,
            latex=rf"\text{{Inner derivative by {inner.rule_latex or inner.rule}:}} g'({XL}) = {tex(inner.deriv)}",
        ),
        DraftStep(
            text=f"Chain rule, outer derivative times inner derivative: h'({X}) = f'(g({X})) * g'({X}) = "
            f"{plain(f_prime_g)} * ({plain(inner.deriv)})",
            latex=rf"\text{{Chain rule, outer derivative times inner derivative:}} "
            rf"h'({XL}) = f'(g({XL})) \cdot g'({XL}) = {tex(f_prime_g)} \cdot \left({tex(inner.deriv)}\right)",
        ),
        DraftStep(text=f"Simplify: h'({X}) =", expr=key, latex=rf"\text{{Simplify:}} h'({XL}) = {tex(key)}"),
    ]
    if shortcut:
        expanded = sympy.expand(h)
        steps += [
            DraftStep(
                text=f"Alternatively, simplify first: h({X}) = {plain(h)} =",
                expr=expanded,
                latex=rf"\text{{Alternatively, simplify first:}} h({XL}) = {tex(h)} = {tex(expanded)}",
            ),
            DraftStep(
                text=f"then the power rule gives h'({X}) =",
                expr=key,
                latex=rf"\text{{then the power rule gives:}} h'({XL}) = {tex(key)}",
            ),
        ]
    mistakes = _mistakes(outer, inner, x, key, shortcut, outer_derivative)
    if len(_symbolic_cache) >= _CACHE_LIMIT:
        _symbolic_cache.clear()
    result = _symbolic_cache[cache_key] = _Symbolic(x, h, key, steps, mistakes, _ln_tex(h))
    return result


def _finish(slot: SlotSpec, rng: random.Random, sym: _Symbolic, x: sympy.Symbol) -> Draft | None:
    """The Draft for the slot's ask (the point, if any, is already in the slot: finish() draws nothing)."""
    draft = finish(
        slot,
        rng,
        function=sym.h,
        variables=[x],
        wrt=[x],
        derivatives=[sym.key],
        steps=sym.steps,
        mistakes=sym.mistakes,
        name="h",
        function_latex=sym.function_latex,
    )
    if draft is None:
        return None
    # at a point a buggy key can coincide with the key, or be complex (sqrt of a negative number)
    kept = [m for m in draft.mistakes if m.answer != draft.answer and not _complex(m.answer)]
    return replace(draft, mistakes=kept)


def _ln_tex(expr: sympy.Basic) -> str:
    """LaTeX with ln for the natural logarithm, as the course writes it (sympy prints log)."""
    return tex_ln(expr)


def _readable_point(rng: random.Random, sym: _Symbolic) -> int | None:
    """A random integer x in [-3, 3] where h'(x) is worth asking for: not 0 (h'(0) often is), not
    vanishingly small like 240e^-43, not astronomically large. None when a few tries find none."""
    key = compile_expr(sym.key)
    for _ in range(_TRIES):
        at = rng.choice((-3, -2, -1, 1, 2, 3))
        if at not in sym.magnitudes:
            try:
                sym.magnitudes[at] = abs(key({sym.x: float(at)}))
            except Undefined:  # not a real number there
                sym.magnitudes[at] = None
        magnitude = sym.magnitudes[at]
        if magnitude is not None and 1e-3 <= magnitude <= 1e7:
            return at
    return None


def _mistakes(
    outer: _Outer, inner: _Inner, x: sympy.Symbol, key: sympy.Expr, shortcut: bool, f_prime_g: sympy.Expr
) -> list[MistakeSpec]:
    """The buggy keys; f_prime_g is the outer derivative at the inner function, f'(g(x)), evaluated."""
    candidates: list[MistakeSpec] = [
        (
            "forgot_inner",
            f_prime_g,
            "You differentiated only the outer function: the chain rule multiplies f'(g(x)) by the inner derivative g'(x).",
        ),
        (
            "inner_in_place",
            outer.apply(inner.deriv, derivative=True, keep=False),
            "You put the inner derivative inside the outer derivative: evaluate f' at the inner function g(x) "
            "itself, then multiply by g'(x).",
        ),
        ("wrong_inner", mul([f_prime_g, inner.wrong]), inner.wrong_feedback),
    ]
    if shortcut:
        coeff, power = key.as_coeff_exponent(x)
        candidates.append(
            (
                "off_by_one_exp",
                coeff * x ** (power + 1),
                "The power rule lowers the exponent by one: after simplifying, (a x^n)' = n a x^(n-1).",
            )
        )
    elif outer.kind == "power":
        kept = mul([mul([sympy.Integer(outer.c * outer.n), inner.expr**outer.n]), inner.deriv])
        candidates.append(
            (
                "off_by_one_exp",
                kept,
                f"The power rule lowers the exponent by one: the outer derivative of u^{outer.n} is "
                f"{outer.n}u^{outer.n - 1}, not {outer.n}u^{outer.n}.",
            )
        )
    candidates.append(("sign", -key, outer.sign_feedback))
    out: list[MistakeSpec] = []
    seen = {key}
    for kind, answer, feedback in candidates:
        if answer not in seen and not _complex(answer):  # sqrt of a negative inner derivative
            seen.add(answer)
            out.append((kind, answer, feedback))
    return out
