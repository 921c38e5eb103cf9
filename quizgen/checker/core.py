"""One check, in-process: parse key and answer, compare them numerically, explain a wrong answer.

The work here is bounded by construction (the parser bounds the tree, sampling's work grows with the tree,
and a cooperative deadline is checked between points). Typed decimals are re-read as the fractions they
spell (decimals.exact_text). What numbers cannot stand behind goes to `symbolic`, a callable the caller
supplies (the Checker sends it to a worker process it can kill): answers with structure the key lacks
(structure.py), after a dense search for a witness (witness.py), and checks the numbers cannot decide at
all. A proof that fails without a witness gives the verdict `unsure`.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from threading import Lock
from typing import Any, Literal

import sympy

from quizgen.checker.decimals import exact_text, read_rounded, within_key_rounding
from quizgen.checker.definitions import check_with_definitions
from quizgen.checker.diagnosis import Diagnosis, clear_compiled, generic_diagnosis, matches_expr
from quizgen.checker.equivalence import (
    CheckTimeout,
    Comparison,
    Compiled,
    clear_prepared,
    deadline_checker,
    equivalent,
    try_prepare,
)
from quizgen.checker.evaluate import clear_shared
from quizgen.checker.structure import new_structure
from quizgen.checker.verdict import CheckRequest, Verdict, invalid
from quizgen.checker.witness import find_witness
from quizgen.mathparse import AnswerSyntaxError, parse_answer, parse_key_value
from quizgen.mathparse.api import clear_parse_cache
from quizgen.problem import Mistake

SymbolicFn = Callable[[Any, str, Sequence[str], "bool | None", int, "float | None"], bool]
"""symbolic(expected, answer_text, variables, latex, component, deadline) -> equal?; may raise CheckTimeout."""

NOT_EQUIVALENT = "Your answer is not equivalent to the expected answer."
NOT_THE_VALUE = "Your answer is not the expected value."
"""For a key that is a number (a value at a point): "equivalent" is the word for expressions."""
UNSURE_MESSAGE = (
    "Not graded automatically: your answer agrees with the expected one at every point checked, but it has "
    "{reason}, and no proof that they are equal was found{why}. A person should look at it."
)
NARROWER_DOMAIN = (
    "Accepted where your answer is defined: it is not real at some points where the expected "
    "answer is, and was compared only where both are."
)
TIMEOUT_MESSAGE = "This answer took too long to check (over {limit:g} s); write it in a simpler form."


@dataclass(frozen=True)
class Key:
    """A parsed key: its components (1 for a scalar) and the variables in order; each component is
    compiled for the numbers on first use (compiled(i))."""

    components: tuple[sympy.Basic, ...]
    variables: tuple[str, ...]
    is_vector: bool
    texts: tuple[str, ...]
    _compiled: dict[int, Compiled | None] = field(default_factory=dict, init=False, repr=False, compare=False)

    def compiled(self, i: int) -> Compiled | None:
        """Component i compiled (None when it cannot be evaluated numerically), once per key: not before
        an answer needs it, since an answer typed as the key is decided by the trees alone (about half
        of a class's right answers), and a key whose answers are all of that kind or unreadable is never
        compiled."""
        if i not in self._compiled:
            self._compiled[i] = try_prepare(self.components[i], {n: j for j, n in enumerate(self.variables)})
        return self._compiled[i]


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
_READINGS = _LRU(32768)
"""Key texts as read in the variables, kept per text: a buggy key is read for the first wrong answer that
needs it and then serves the variant's other students, and a text that is one variant's key and another's
buggy key is read once. Larger than the parser's own cache, which also holds the answers: a class of 2,000
reads about 20,000 distinct key texts, and one read evicted was read again."""

_UNREADABLE = object()
"""A buggy key that cannot be read (kept, so it is not read again for every wrong answer)."""


def clear_caches() -> None:
    """Forget every parsed and compiled key, answer and buggy key of this process (for cold-cache
    benchmarks and tests; the Checker's verdict cache is the Checker's own)."""
    _KEYS.data.clear()
    _READINGS.data.clear()
    clear_parse_cache()
    clear_prepared()
    clear_compiled()
    clear_shared()


class BadKey(Exception):
    """The key itself cannot be read: a problem with the problem, not with the answer."""


def load_key(expected: str | Sequence[str], variables: Sequence[str] | None) -> Key:
    """Parse (cached) the key; raises BadKey with a message naming the bad key."""
    if isinstance(expected, list):
        expected = tuple(expected)
    if not isinstance(expected, str) and not (
        isinstance(expected, tuple) and expected and all(isinstance(t, str) for t in expected)
    ):
        raise BadKey("the key must be a string, or a non-empty list of strings for a gradient")
    if variables is not None and (isinstance(variables, str) or not all(isinstance(v, str) for v in variables)):
        raise BadKey("the variables must be a list of names")
    cache_key = (expected, None if variables is None else tuple(variables))
    hit = _KEYS.get(cache_key)
    if hit is not None:
        return hit
    texts = [expected] if isinstance(expected, str) else list(expected)
    values: list[sympy.Basic] = []
    saw_vector = not isinstance(expected, str)
    try:
        for text in texts:
            value = read_key_text(text, None if variables is None else tuple(variables))
            if isinstance(value, tuple):
                saw_vector = True
                values.extend(value)
            else:
                values.append(value)
    except AnswerSyntaxError as exc:
        raise BadKey(f"the key {text!r} cannot be read: {exc.message}") from exc
    except ValueError as exc:  # a variable name that is not an identifier
        raise BadKey(f"the variables cannot be used: {exc}") from exc
    is_vector = saw_vector
    if variables is None:
        found = sorted({s.name for v in values for s in v.free_symbols if isinstance(s, sympy.Symbol)})
        names = tuple(found)
    else:
        names = tuple(variables)
    key = Key(tuple(values), names, is_vector, tuple(texts))
    _KEYS.put(cache_key, key)
    return key


def read_key_text(text: str, variables: tuple[str, ...] | None) -> sympy.Basic | tuple[sympy.Basic, ...]:
    """parse_key(text, variables).value (read by parse_key_value, without the text as understood, which
    the checker never shows), kept in _READINGS; raises what parse_key raises (a failure is not kept
    here: the parser keeps the refusals it can)."""
    hit = _READINGS.get((text, variables))
    if hit is None or hit is _UNREADABLE:
        hit = parse_key_value(text, variables)
        _READINGS.put((text, variables), hit)
    return hit


def seed_for(expected: Any, answer: str, variables: Sequence[str]) -> int:
    """Deterministic per (expected, answer, variables): the same check samples the same points every run."""
    blob = repr((expected, answer, tuple(variables))).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(blob, digest_size=8).digest(), "big")


@dataclass
class Outcome:
    """One component's result: equal, different or unsure; note is what the student is told about it
    (a decimal read as a constant, a decimal too short, a narrower domain, why it is unsure)."""

    cmp: Comparison | None
    status: str
    note: str = ""
    kind: str | None = None


def matches_mistake(
    mistake: Mistake,
    variables: tuple[str, ...],
    results: Sequence[Comparison],
    index: dict[str, int],
    key_parts: Sequence[sympy.Basic] = (),
) -> bool:
    """Does the answer, compared component by component in results, match this buggy key at every component?

    The buggy key's texts are read like keys (each once, read_key_text), one at a time, and each component
    is matched as soon as it is read: a gradient's buggy key whose first component differs is decided
    without reading the others. A component the answer typed as the key's (a comparison without points,
    see _typed_as_key) matches a buggy component that reads as that same tree (key_parts, the key's
    components): most buggy gradients get one component wrong, not all. A buggy key that cannot be read,
    or has another number of components, matches nothing (buggy keys only drive feedback)."""
    texts = (mistake.answer,) if isinstance(mistake.answer, str) else tuple(mistake.answer)
    matched = 0
    for t in texts:
        value = _read_buggy_text(t, variables)
        if value is _UNREADABLE:
            return False
        for part in value if isinstance(value, tuple) else (value,):
            if matched == len(results):
                return False
            cmp = results[matched]
            if _typed_as_key(cmp):
                if matched >= len(key_parts) or part != key_parts[matched]:
                    return False
            elif not matches_expr(cmp, part, index):
                return False
            matched += 1
    return matched == len(results)


def _typed_as_key(cmp: Comparison) -> bool:
    """A component the answer typed as the key's own tree: _component settles it as equal without sampling."""
    return cmp.status == "equal" and not cmp.points


def _read_buggy_text(text: str, variables: tuple[str, ...]) -> Any:
    """read_key_text, or _UNREADABLE (kept) when the text cannot be read."""
    hit = _READINGS.get((text, variables))
    if hit is None:
        try:
            hit = read_key_text(text, variables)
        except Exception:  # noqa: BLE001 - a bad buggy key only loses feedback
            hit = _UNREADABLE
            _READINGS.put((text, variables), hit)
    return hit


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
    except BadKey as exc:
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
    typed = comps  # decimals as parsed (sympy Floats): where the decimal rule finds them
    exact = exact_reading(text, key.variables, req.answer)
    if exact is not None:
        comps = exact if len(exact) == len(typed) else typed
    seed = seed_for(req.expected if isinstance(req.expected, str) else tuple(req.expected), req.answer, key.variables)
    index = {n: i for i, n in enumerate(key.variables)}
    if key.is_vector != isinstance(answer, tuple):
        if key.is_vector and _equals_first_component(key, comps[0], index, seed, check_time):
            n = len(key.components)
            return Verdict("incorrect", text, latex, _missing_message(key, 1), round(1 / n, 6), "missing_component")
        one = key.is_vector and _equals_a_component(key, comps[0], index, seed, check_time)
        return _shape_mismatch(key, text, latex, one)
    outcomes: list[Outcome] = []
    n = min(len(comps), len(key.components))
    for i in range(n):
        outcomes.append(_component(req, key, i, comps[i], typed[i], index, seed, symbolic, deadline, check_time))
    results = [_settled(o) for o in outcomes]
    right = [o.status == "equal" for o in outcomes]
    notes = [o.note for o in outcomes if o.status == "equal" and o.note]
    if len(comps) == len(key.components) and all(right):
        kinds = [o.kind for o in outcomes if o.status == "equal" and o.kind]
        return Verdict("correct", text, latex, " ".join(dict.fromkeys(notes)), 1.0, kinds[0] if kinds else None)
    unsure = [o for o in outcomes if o.status == "unsure"]
    if unsure and not any(o.status == "different" for o in outcomes) and len(comps) == len(key.components):
        timed_out = any(o.kind == "timeout" for o in unsure)
        return Verdict("unsure", text, latex, unsure[0].note, 0.0, "timeout" if timed_out else "unproven")
    score = sum(right) / len(key.components) if key.is_vector else 0.0
    wrong_notes = [o.note for o in outcomes if o.status == "different" and o.note]
    if wrong_notes and not key.is_vector:
        return Verdict("incorrect", text, latex, wrong_notes[0], 0.0, outcomes[0].kind)
    try:
        diag = _diagnose(req, key, comps, results, index, seed, check_time)
    except CheckTimeout:  # the verdict is known; only the explanation ran out of time
        diag = Diagnosis(None, NOT_EQUIVALENT)
    message = diag.message
    if key.is_vector and wrong_notes:
        message = f"{message} {wrong_notes[0]}"
    return Verdict("incorrect", text, latex, message, round(score, 6), diag.kind)


def exact_reading(text: str, variables: Sequence[str], original: str) -> tuple[sympy.Basic, ...] | None:
    """The answer with every typed decimal read as the exact fraction it spells (decimals.exact_text), or
    None when it has no decimal. If that reading fails (it should not: the text is the parser's own),
    the decimals are read as sympy Floats and the result is marked by returning ()."""
    fractions = exact_text(text)
    if fractions is None:
        return None
    try:
        value = parse_answer(fractions, list(variables), latex=False).value
    except (AnswerSyntaxError, ValueError, TypeError, ArithmeticError):
        return ()
    return value if isinstance(value, tuple) else (value,)


def _component(
    req: CheckRequest,
    key: Key,
    i: int,
    expr: sympy.Basic,
    typed: sympy.Basic,
    index: dict[str, int],
    seed: int,
    symbolic: SymbolicFn | None,
    deadline: float | None,
    check_time: Callable[[], None],
) -> Outcome:
    """Compare one component (expr: decimals read exactly; typed: as parsed, with sympy Floats): numbers
    first; a proof where the numbers cannot stand behind "equal"."""
    if expr == key.components[i]:
        return Outcome(Comparison("equal", [], [], []), "equal")  # the same tree: equal, whatever its domain
    rng = random.Random(seed + i)  # after the trees: most right answers are typed as the key and draw nothing
    kc = key.compiled(i)
    ac = try_prepare(expr, index)
    cmp = equivalent(kc, ac, rng, check_time) if kc is not None and ac is not None else None
    if cmp is None or cmp.status == "undecided":
        if cmp is None or not cmp.points:  # no numbers at all: only a proof decides, and its timeout is invalid
            proved = _symbolic(symbolic, key, req, i, deadline)
            return Outcome(cmp or Comparison("undecided", [], [], []), "equal" if proved else "different")
        reason = "values the numeric check cannot pin down"
        return _prove(req, key, i, kc, ac, cmp, rng, reason, symbolic, deadline, check_time)
    if cmp.status == "different":
        tc = ac if typed is expr else try_prepare(typed, index)
        if tc is not None and ac is not None and kc is not None and tc.has_float:
            reading = read_rounded(kc, tc, cmp.points, rng, check_time, ac)
            if reading.accepted:
                structure = new_structure(kc, ac)
                if structure is None:
                    return Outcome(cmp, "equal", reading.message, "rounded_decimal")
                # rounded decimals and new structure: no proof can use the rounded values; a person decides
                return Outcome(
                    cmp,
                    "unsure",
                    UNSURE_MESSAGE.format(
                        reason=structure, why=" (it agrees only to the digits of its rounded decimals)"
                    ),
                    "unproven",
                )
            if reading.message:
                return Outcome(cmp, "different", reading.message, "decimal_digits")
        if kc is not None and ac is not None and kc.has_float and within_key_rounding(kc, ac, cmp.points):
            return Outcome(cmp, "equal")  # the key's own decimals are rounded values
        return Outcome(cmp, "different")
    assert kc is not None and ac is not None
    if expr.has(sympy.Float):  # decimals that could not be read as fractions: sympy may have folded them
        return Outcome(
            cmp, "unsure", UNSURE_MESSAGE.format(reason="decimals that could not be read exactly", why=""), "unproven"
        )
    note, kind = (NARROWER_DOMAIN, "narrower_domain") if cmp.narrower_domain else ("", None)
    structure = new_structure(kc, ac)
    if structure is None:
        return Outcome(cmp, "equal", note, kind)
    out = _prove(req, key, i, kc, ac, cmp, rng, structure, symbolic, deadline, check_time)
    if out.status == "equal":
        return Outcome(cmp, "equal", note, kind)
    return out


def _settled(outcome: Outcome) -> Comparison | None:
    """The component's comparison with its final status, equal or different, for the diagnosis (a copy
    only where the status changes: most comparisons already say it)."""
    cmp = outcome.cmp
    if cmp is None:
        return None
    status: Literal["equal", "different"] = "equal" if outcome.status == "equal" else "different"
    return cmp if cmp.status == status else replace(cmp, status=status)


def _prove(
    req: CheckRequest,
    key: Key,
    i: int,
    kc: Compiled | None,
    ac: Compiled | None,
    cmp: Comparison | None,
    rng: random.Random,
    reason: str,
    symbolic: SymbolicFn | None,
    deadline: float | None,
    check_time: Callable[[], None],
) -> Outcome:
    """A symbolic proof in the worker; failing that, a witness (incorrect) or `unsure`."""
    empty = cmp if cmp is not None else Comparison("undecided", [], [], [])
    if kc is not None and ac is not None:  # a dense numeric search first: cheap, and decisive when it finds one
        try:
            witness = find_witness(kc, ac, rng, check_time)
        except CheckTimeout:
            witness = None
        if witness is not None:
            return Outcome(replace(empty, status="different", witness=witness), "different")
    try:
        proved = _symbolic(symbolic, key, req, i, deadline)
    except CheckTimeout:
        return Outcome(empty, "unsure", UNSURE_MESSAGE.format(reason=reason, why=" within the time limit"), "timeout")
    if proved:
        return Outcome(empty, "equal")
    return Outcome(empty, "unsure", UNSURE_MESSAGE.format(reason=reason, why=""), "unproven")


def _missing_message(key: Key, given: int) -> str:
    n = len(key.components)
    missing = list(range(given, n))
    names = ", ".join(key.variables)
    if len(key.variables) == n:
        what = ", ".join(f"d/d{key.variables[j]} (component {j + 1})" for j in missing)
    else:
        what = ", ".join(f"component {j + 1}" for j in missing)
    verb = "is" if len(missing) == 1 else "are"
    return (
        f"Your gradient has {given} of {n} components: {what} {verb} missing. The components given were "
        f"compared in order ({names}) and earn their share."
    )


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
                "incorrect",
                text,
                latex,
                f"That is only one partial derivative: give the whole gradient, {n} components in the order "
                f"({names}), written like [a, b].",
                0.0,
                "missing_component",
            )
        return Verdict(
            "incorrect",
            text,
            latex,
            f"The answer should be a vector with {n} components, one partial derivative per variable in the "
            f"order ({names}), written like [a, b].",
            0.0,
            "not_a_vector",
        )
    return Verdict(
        "incorrect", text, latex, "The answer should be a single expression, not a vector.", 0.0, "unexpected_vector"
    )


def _equals_a_component(
    key: Key, expr: sympy.Basic, index: dict[str, int], seed: int, check_time: Callable[[], None]
) -> bool:
    ac = try_prepare(expr, index)
    if ac is None:
        return False
    for i in range(len(key.components)):
        kc = key.compiled(i)
        if kc is not None and _plainly_equal(kc, ac, random.Random(seed + i), index, check_time):
            return True
    return False


def _equals_first_component(
    key: Key, expr: sympy.Basic, index: dict[str, int], seed: int, check_time: Callable[[], None]
) -> bool:
    """A single expression equal to the gradient's first component: a gradient with the rest missing."""
    ac = try_prepare(expr, index)
    kc = key.compiled(0)
    return ac is not None and kc is not None and _plainly_equal(kc, ac, random.Random(seed), index, check_time)


def _plainly_equal(
    kc: Compiled, ac: Compiled, rng: random.Random, index: dict[str, int], check_time: Callable[[], None]
) -> bool:
    """Equal by the numbers, and shaped like the key (no proof needed): for credit and feedback outside
    the main comparison."""
    return equivalent(kc, ac, rng, check_time).status == "equal" and new_structure(kc, ac) is None


def _diagnose(
    req: CheckRequest,
    key: Key,
    comps: tuple[sympy.Basic, ...],
    results: list[Comparison | None],
    index: dict[str, int],
    seed: int,
    check_time: Callable[[], None],
) -> Diagnosis:
    if _comparable(comps, results):
        compared = [cmp for cmp in results if cmp is not None]  # all of them (_comparable)
        for m in req.mistakes:
            check_time()
            if matches_mistake(m, key.variables, compared, index, key.components):
                return Diagnosis(m.kind, m.feedback)
    if not key.is_vector:
        cmp = results[0]
        kc = key.compiled(0) if cmp is not None and cmp.points else None
        if cmp is not None and kc is not None:
            found = generic_diagnosis(kc, cmp, try_prepare(comps[0], index))
            if found is not None:
                return found
        return Diagnosis(None, NOT_EQUIVALENT if key.components[0].free_symbols else NOT_THE_VALUE)
    return _diagnose_vector(req, key, comps, results, index, seed, check_time)


def _comparable(comps: tuple[sympy.Basic, ...], results: list[Comparison | None]) -> bool:
    """Can a buggy key match this answer at all? It is matched component by component at the comparison's
    sample points, or by the tree where the answer typed a component as the key's; an answer with a
    component that has neither (real nowhere the key is), or with more components than the key, matches
    none, and its buggy keys are not read. Nor are they for an answer whose every component is the key's."""
    return (
        len(results) == len(comps)
        and all(cmp is not None and (cmp.points or _typed_as_key(cmp)) for cmp in results)
        and not all(cmp is not None and _typed_as_key(cmp) for cmp in results)
    )


def _diagnose_vector(
    req: CheckRequest,
    key: Key,
    comps: tuple[sympy.Basic, ...],
    results: list[Comparison | None],
    index: dict[str, int],
    seed: int,
    check_time: Callable[[], None],
) -> Diagnosis:
    nk, na = len(key.components), len(comps)
    names = ", ".join(key.variables)
    if na < nk:
        message = _missing_message(key, na)
        wrong = [i for i, r in enumerate(results) if r is None or r.status != "equal"]
        if wrong:
            labels = ", ".join(str(i + 1) for i in wrong)
            message += f" Of those, component{'s' if len(wrong) > 1 else ''} {labels} {'are' if len(wrong) > 1 else 'is'} wrong."
        return Diagnosis("missing_component", message)
    if na > nk:
        return Diagnosis(
            "extra_component", f"Your gradient has {na} components; it needs {nk}, one per variable ({names})."
        )
    wrong = [i for i, r in enumerate(results) if r is None or r.status != "equal"]
    if len(wrong) >= 2 and _is_permutation(key, comps, index, seed, check_time):
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
        cmp = results[i]
        kc = key.compiled(i) if cmp is not None and cmp.points else None
        if cmp is not None and kc is not None:
            found = generic_diagnosis(kc, cmp, try_prepare(comps[i], index))
            if found is not None:
                kinds.append(found)
    if len(kinds) == len(wrong) and len({k.kind for k in kinds}) == 1:
        return Diagnosis(kinds[0].kind, f"{message} {kinds[0].message}")
    return Diagnosis("wrong_components", message)


def _is_permutation(
    key: Key, comps: tuple[sympy.Basic, ...], index: dict[str, int], seed: int, check_time: Callable[[], None]
) -> bool:
    """Is every answer component equal to some key component (a different one for at least two)?"""
    used: set[int] = set()
    for j, ac_expr in enumerate(comps):
        ac = try_prepare(ac_expr, index)
        if ac is None:
            return False
        hit = None
        for i in range(len(key.components)):
            kc = None if i in used else key.compiled(i)
            if kc is None:
                continue
            check_time()
            if _plainly_equal(kc, ac, random.Random(seed + 1000 + 31 * i + j), index, check_time):
                hit = i
                break
        if hit is None:
            return False
        used.add(hit)
    return True
