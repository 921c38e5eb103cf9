"""The family kit: everything a problem family needs, in one import.

    from quizgen.families.kit import Draft, Family, SlotSpec, coef, finish, plain, slot_variables, tex

A family draws sympy objects and hands back a Draft; the generator (quizgen.draw) verifies the key,
rejects degenerate draws, prints the problem and turns the Draft into a Problem. docs/families.md walks
through writing one. The names below are the public, stable surface (add to it, do not change a
signature); the modules behind them (_common, _build, quizgen.typeset.printing) are not.

The contract
    Family, SlotSpec (one bank slot), Draft, DraftStep, DraftMistake, Ask; DraftPart and PART_SHIFT for
    multi-part problems, DraftGraph and DraftNode for the graph they ask about (docs/families.md). Family.draw returns a Draft,
    or None to decline a draw that came out degenerate (the generator redraws from the same rng).

Variables and random draws (every random choice from the rng draw() is given)
    var, slot_variables, nonzero_int, coef, choose_wrt, point_values.

Building expressions (integer polynomials in sympy's canonical form, fast)
    mono, poly, add, expand_product, diff, fast_subs, ordered_terms, Powers; mul (any evaluated factors).

Printing (exactly sympy's str()/latex(), cached; text in the notation students type)
    sstr, plain, tex, tex_ln, tex_escape, label, math_label (a sentence with variables as math), join_names, partial_text, partial_latex, d_text, d_latex.

Steps of the worked solution
    DraftStep, held_constant_step, eq_step, gradient_steps.

Activations with hand-workable values (shared by neuron and backprop)
    ACTIVATION_NAMES, LEAKY_SLOPE, SIGMOID_LN_R, TANH_LN_R, sigmoid, activation_expr, exact_at_ln,
    exact_tanh: sigma(ln r) and tanh(ln r) are simple fractions, so a pre-activation ln r keeps a value
    question exact.

Mistakes, indicators and the finished Draft
    MistakeSpec, indicator, finish (the prompt, the answer and the mistakes for the slot's ask:
    partial, gradient or value at a point; definitions= names intermediate quantities the prompt
    defines, which an answer may then use).

Remembering drafts
    DraftMemo: a bounded memo of drafts by the random draws they are a pure function of.
"""

from __future__ import annotations

from quizgen.families._activations import (
    ACTIVATION_NAMES,
    LEAKY_SLOPE,
    SIGMOID_LN_R,
    TANH_LN_R,
    activation_expr,
    exact_at_ln,
    exact_tanh,
    sigmoid,
)
from quizgen.families._build import Powers, add, expand_product, fast_subs, mono, mul, ordered_terms, poly
from quizgen.families._common import (
    DraftMemo,
    MistakeSpec,
    choose_wrt,
    coef,
    d_latex,
    d_text,
    diff,
    eq_step,
    finish,
    gradient_steps,
    held_constant_step,
    indicator,
    join_names,
    label,
    math_label,
    nonzero_int,
    partial_latex,
    partial_text,
    point_values,
    slot_variables,
    var,
)
from quizgen.families.base import (
    PART_SHIFT,
    Draft,
    DraftGraph,
    DraftMistake,
    DraftNode,
    DraftPart,
    DraftStep,
    Family,
    SlotSpec,
)
from quizgen.problem import Ask
from quizgen.typeset.escape import tex_escape
from quizgen.typeset.printing import plain, sstr, tex, tex_ln

__all__ = [  # noqa: RUF022  (grouped by purpose, as the family-kit page reads)
    # the contract
    "Ask",
    "Draft",
    "DraftMistake",
    "DraftPart",
    "PART_SHIFT",
    "DraftGraph",
    "DraftNode",
    "DraftStep",
    "Family",
    "SlotSpec",
    # variables and random draws
    "choose_wrt",
    "coef",
    "nonzero_int",
    "point_values",
    "slot_variables",
    "var",
    # building expressions
    "Powers",
    "add",
    "diff",
    "expand_product",
    "fast_subs",
    "mono",
    "mul",
    "ordered_terms",
    "poly",
    # printing
    "d_latex",
    "d_text",
    "join_names",
    "label",
    "math_label",
    "partial_latex",
    "partial_text",
    "plain",
    "sstr",
    "tex",
    "tex_escape",
    "tex_ln",
    # steps
    "eq_step",
    "gradient_steps",
    "held_constant_step",
    # activations
    "ACTIVATION_NAMES",
    "LEAKY_SLOPE",
    "SIGMOID_LN_R",
    "TANH_LN_R",
    "activation_expr",
    "exact_at_ln",
    "exact_tanh",
    "sigmoid",
    # remembering drafts
    "DraftMemo",
    # mistakes and the finished draft
    "MistakeSpec",
    "finish",
    "indicator",
]
