"""One check, in-process: parse key and answer, compare them numerically, explain a wrong answer.

The work here is bounded by construction (the parser bounds the tree, sampling bounds the points, and a
cooperative deadline is checked between points). Only what numbers cannot decide goes to `symbolic`, a
callable the caller supplies: the Checker sends it to a worker process it can kill.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from threading import Lock
from typing import Any

import sympy

from quizgen.checker.definitions import check_with_definitions
from quizgen.checker.equivalence import (
    CheckTimeout,
    Comparison,
    Compiled,
    Tolerance,
    deadline_checker,
    equivalent,
    try_prepare,
)
from quizgen.checker.feedback import Diagnosis, generic_diagnosis, matches_expr
from quizgen.checker.verdict import CheckRequest, Verdict, invalid
from quizgen.mathparse import AnswerSyntaxError, parse_answer, parse_key
from quizgen.problem import Mistake

SymbolicFn = Callable[[Any, str, Sequence[str], "bool | None", int, "float | None"], bool]
"""symbolic(expected, answer_text, variables, latex, component, deadline) -> equal?; may raise CheckTimeout."""

NOT_EQUIVALENT = "Your answer is not equivalent to the expected answer."
TIMEOUT_MESSAGE = "This answer took too long to check (over {limit:g} s); write it in a simpler form."


@dataclass(frozen=True)
class Key:
    """A parsed, compiled key: its components (1 for a scalar) and the variables in order."""

    components: tuple[sympy.Basic, ...]
    compiled: tuple[Compiled | None, ...]
    variables: tuple[str, ...]
    is_vector: bool
    texts: tuple[str, ...]


class _LRU:
    """A small thread-safe LRU map (keys parse once per problem variant, not once per student)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict[Any, Any] = OrderedDict()
        self.lock = Lock()

    def get(self, key: Any) -> Any:
        with self.lock:
            if key in self.data:
                self.data.move_to_end(key)
                return self.data[key]
        return None

    def put(self, key: Any, value: Any) -> None:
        with self.lock:
            self.data[key] = value
            self.data.move_to_end(key)
            while len(self.data) > self.size:
                self.data.popitem(last=False)


_KEYS = _LRU(4096)
_MISTAKES = _LRU(4096)


class KeyError_(Exception):
    """The key itself cannot be read: a problem with the problem, not with the answer."""


def load_key(expected: str | Sequence[str], variables: Sequence[str] | None) -> Key:
    """Parse (cached) the key; raises KeyError_ with a message naming the bad key."""
    if isinstance(expected, list):
        expected = tuple(expected)
    if not isinstance(expected, str) and not (
        isinstance(expected, tuple) and expected and all(isinstance(t, str) for t in expected)
    ):
        raise KeyError_("the key must be a string, or a non-empty list of strings for a gradient")
    if variables is not None and (isinstance(variables, str) or not all(isinstance(v, str) for v in variables)):
        raise KeyError_("the variables must be a list of names")
    cache_key = (expected, None if variables is None else tuple(variables))
    hit = _KEYS.get(cache_key)
    if hit is not None:
        return hit
    texts = [expected] if isinstance(expected, str) else list(expected)
    values: list[sympy.Basic] = []
    saw_vector = not isinstance(expected, str)
    try:
        for text in texts:
            parsed = parse_key(text, list(variables) if variables is not None else None)
            if isinstance(parsed.value, tuple):
                saw_vector = True
                values.extend(parsed.value)
            else:
                values.append(parsed.value)
    except AnswerSyntaxError as exc:
        raise KeyError_(f"the key {text!r} cannot be read: {exc.message}") from exc
    except ValueError as exc:  # a variable name that is not an identifier
        raise KeyError_(f"the variables cannot be used: {exc}") from exc
    is_vector = saw_vector
    if variables is None:
        found = sorted({s.name for v in values for s in v.free_symbols if isinstance(s, sympy.Symbol)})
        names = tuple(found)
    else:
        names = tuple(variables)
    index = {n: i for i, n in enumerate(names)}
    key = Key(tuple(values), tuple(try_prepare(v, index) for v in values), names, is_vector, tuple(texts))
    _KEYS.put(cache_key, key)
    return key


def seed_for(expected: Any, answer: str, variables: Sequence[str]) -> int:
    """Deterministic per (expected, answer, variables): the same check samples the same points every run."""
    blob = repr((expected, answer, tuple(variables))).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(blob, digest_size=8).digest(), "big")


def decimal_tolerance(exprs: Sequence[sympy.Basic]) -> Tolerance:
    """Exact comparison, unless a decimal was typed (a sympy Float in the tree, in key or answer): then
    each decimal may be off by its rounding (equivalence.literal_rounding), and nothing else."""
    if any(e.has(sympy.Float) for e in exprs):
        return Tolerance(exact=False)
    return Tolerance()


def parse_mistakes(mistakes: Sequence[Mistake], key: Key) -> list[tuple[Mistake, tuple[sympy.Basic, ...]]]:
    """Buggy keys parsed like keys (cached); unreadable ones are skipped (they only drive feedback)."""
    out = []
    for m in mistakes:
        texts = (m.answer,) if isinstance(m.answer, str) else tuple(m.answer)
        ck = (texts, key.variables)
        hit = _MISTAKES.get(ck)
        if hit is None:
            comps: list[sympy.Basic] = []
            try:
                for t in texts:
                    v = parse_key(t, list(key.variables)).value
                    comps.extend(v if isinstance(v, tuple) else (v,))
            except (AnswerSyntaxError, Exception):  # noqa: BLE001 - a bad buggy key only loses feedback
                comps = []
            hit = tuple(comps)
            _MISTAKES.put(ck, hit)
        if hit:
            out.append((m, hit))
    return out


def check_request(
    req: CheckRequest,
    *,
    timeout: float | None = 2.0,
    symbolic: SymbolicFn | None = None,
) -> Verdict:
    """Check one request in this process; never raises (every failure becomes an invalid Verdict)."""
    start = time.monotonic()
    deadline = None if timeout is None else start + timeout
    try:
        return _check(req, deadline, symbolic)
    except CheckTimeout:
        return invalid(TIMEOUT_MESSAGE.format(limit=timeout or 0), "timeout")
    except RecursionError:
        return invalid("This answer is nested too deeply to check.", "too_complex")
    except MemoryError:
        return invalid("This answer is too large to check.", "too_complex")
    except Exception as exc:  # noqa: BLE001 - a grader must never crash on one answer
        return invalid(f"This answer could not be checked ({type(exc).__name__}).", "internal_error")


def _check(req: CheckRequest, deadline: float | None, symbolic: SymbolicFn | None) -> Verdict:
    check_time = deadline_checker(deadline)
    try:
        key = load_key(req.expected, req.variables)
    except KeyError_ as exc:
        return invalid(f"Problem with the key, not the answer: {exc}", "bad_key")
    if not isinstance(req.answer, str):
        return invalid("The answer is not text.", "bad_request")
    if req.definitions:  # names from the prompt: check the answer with them written out
        return check_with_definitions(req, key.variables, lambda plain: _check(plain, deadline, symbolic))
    bad = [v for v in key.variables if not (isinstance(v, str) and v.isidentifier())]
    if bad:
        return invalid(f"Problem with the variables, not the answer: {bad[0]!r} is not a variable name.", "bad_key")
    try:
        parsed = parse_answer(req.answer, list(key.variables), latex=req.latex)
    except AnswerSyntaxError as exc:
        return invalid(exc.message, "syntax")
    except (ValueError, TypeError, ArithmeticError) as exc:  # sympy refusing to build it (a parser gap)
        return invalid(f"This answer could not be read ({type(exc).__name__}); write it more simply.", "syntax")
    check_time()
    text, latex = parsed.text, parsed.latex
    answer = parsed.value
    comps = answer if isinstance(answer, tuple) else (answer,)
    tol = decimal_tolerance([*key.components, *comps])
    seed = seed_for(req.expected if isinstance(req.expected, str) else tuple(req.expected), req.answer, key.variables)
    index = {n: i for i, n in enumerate(key.variables)}
    if key.is_vector != isinstance(answer, tuple):
        one = key.is_vector and _equals_a_component(key, comps[0], index, seed, tol, check_time)
        return _shape_mismatch(key, text, latex, one)
    results: list[Comparison | None] = []
    n = min(len(comps), len(key.components))
    for i in range(n):
        rng = random.Random(seed + i)
        kc = key.compiled[i]
        ac = try_prepare(comps[i], index)
        cmp = equivalent(kc, ac, rng, tol, check_time) if kc is not None and ac is not None else None
        if cmp is None or cmp.status == "undecided":
            equal = _symbolic(symbolic, key, req, i, deadline)
            status = "equal" if equal else "different"
            if cmp is None:
                results.append(Comparison(status, [], [], []))
            else:
                results.append(Comparison(status, cmp.points, cmp.key_values, cmp.answer_values))
        else:
            results.append(cmp)
    right = [r is not None and r.status == "equal" for r in results]
    if len(comps) == len(key.components) and all(right):
        return Verdict("correct", text, latex, "", 1.0, None)
    score = sum(right) / len(key.components) if key.is_vector else 0.0
    try:
        diag = _diagnose(req, key, comps, results, index, seed, tol, check_time)
    except CheckTimeout:  # the verdict is known; only the explanation ran out of time
        diag = Diagnosis(None, NOT_EQUIVALENT)
    return Verdict("incorrect", text, latex, diag.message, round(score, 6), diag.kind)


def _symbolic(symbolic: SymbolicFn | None, key: Key, req: CheckRequest, i: int, deadline: float | None) -> bool:
    if symbolic is None:
        raise CheckTimeout  # nothing can decide within bounded time in this process
    expected = req.expected if isinstance(req.expected, str) else tuple(req.expected)
    return bool(symbolic(expected, req.answer, key.variables, req.latex, i, deadline))


def _shape_mismatch(key: Key, text: str, latex: str, one_component: bool = False) -> Verdict:
    if key.is_vector:
        names = ", ".join(key.variables)
        n = len(key.components)
        if one_component:
            return Verdict(
                "incorrect", text, latex,
                f"That is only one partial derivative: give the whole gradient, {n} components in the order "
                f"({names}), written like [a, b].",
                0.0, "missing_component",
            )
        return Verdict(
            "incorrect", text, latex,
            f"The answer should be a vector with {n} components, one partial derivative per variable in the "
            f"order ({names}), written like [a, b].",
            0.0, "not_a_vector",
        )
    return Verdict("incorrect", text, latex, "The answer should be a single expression, not a vector.", 0.0,
                   "unexpected_vector")


def _equals_a_component(key: Key, expr: sympy.Basic, index: dict[str, int], seed: int, tol: Tolerance,
                        check_time: Callable[[], None]) -> bool:
    ac = try_prepare(expr, index)
    if ac is None:
        return False
    for i, kc in enumerate(key.compiled):
        if kc is not None and equivalent(kc, ac, random.Random(seed + i), tol, check_time).status == "equal":
            return True
    return False


def _diagnose(
    req: CheckRequest,
    key: Key,
    comps: tuple[sympy.Basic, ...],
    results: list[Comparison | None],
    index: dict[str, int],
    seed: int,
    tol: Tolerance,
    check_time: Callable[[], None],
) -> Diagnosis:
    mistakes = parse_mistakes(req.mistakes, key)
    for m, mcomps in mistakes:
        check_time()
        if len(mcomps) == len(comps) and _matches_mistake(results, mcomps, index):
            return Diagnosis(m.kind, m.feedback)
    if not key.is_vector:
        cmp, kc = results[0], key.compiled[0]
        if cmp is not None and kc is not None and cmp.points:
            found = generic_diagnosis(kc, cmp)
            if found is not None:
                return found
        return Diagnosis(None, NOT_EQUIVALENT)
    return _diagnose_vector(req, key, comps, results, index, seed, tol, check_time)


def _matches_mistake(results: list[Comparison | None], mcomps: tuple[sympy.Basic, ...], index: dict[str, int]) -> bool:
    if len(results) != len(mcomps):
        return False
    for cmp, mexpr in zip(results, mcomps):
        if cmp is None or not cmp.points or not matches_expr(cmp, mexpr, index):
            return False
    return True


def _diagnose_vector(
    req: CheckRequest,
    key: Key,
    comps: tuple[sympy.Basic, ...],
    results: list[Comparison | None],
    index: dict[str, int],
    seed: int,
    tol: Tolerance,
    check_time: Callable[[], None],
) -> Diagnosis:
    nk, na = len(key.components), len(comps)
    names = ", ".join(key.variables)
    if na != nk:
        kind = "missing_component" if na < nk else "extra_component"
        return Diagnosis(kind, f"Your gradient has {na} components; it needs {nk}, one per variable ({names}).")
    wrong = [i for i, r in enumerate(results) if r is None or r.status != "equal"]
    if len(wrong) >= 2 and _is_permutation(key, comps, index, seed, tol, check_time):
        return Diagnosis(
            "swapped_components",
            f"Your components are in the wrong order: give the partial derivatives in the order ({names}).",
        )
    labels = ", ".join(str(i + 1) for i in wrong)
    noun = "Component" if len(wrong) == 1 else "Components"
    verb = "is" if len(wrong) == 1 else "are"
    message = f"{noun} {labels} of {nk} {verb} wrong."
    kinds = []
    for i in wrong:
        cmp, kc = results[i], key.compiled[i]
        if cmp is not None and kc is not None and cmp.points:
            found = generic_diagnosis(kc, cmp)
            if found is not None:
                kinds.append(found)
    if len(kinds) == len(wrong) and len({k.kind for k in kinds}) == 1:
        return Diagnosis(kinds[0].kind, f"{message} {kinds[0].message}")
    return Diagnosis("wrong_components", message)


def _is_permutation(key: Key, comps: tuple[sympy.Basic, ...], index: dict[str, int], seed: int, tol: Tolerance,
                    check_time: Callable[[], None]) -> bool:
    """Is every answer component equal to some key component (a different one for at least two)?"""
    used: set[int] = set()
    for j, ac_expr in enumerate(comps):
        ac = try_prepare(ac_expr, index)
        if ac is None:
            return False
        hit = None
        for i, kc in enumerate(key.compiled):
            if i in used or kc is None:
                continue
            check_time()
            if equivalent(kc, ac, random.Random(seed + 1000 + 31 * i + j), tol, check_time).status == "equal":
                hit = i
                break
        if hit is None:
            return False
        used.add(hit)
    return True
