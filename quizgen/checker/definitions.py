"""Names a problem's prompt defines (z = b + w1*x1, a = max(0, z)), which an answer may use.

A student who writes `x1 (relu(z) - t) 1(z > 0)` for the neuron means z as the prompt defined it. The answer
is read with the defined names allowed, each name is then replaced in the reading by its definition (a
trusted key, read with parse_key, in the problem's variables only), and that expanded answer is what the
checker compares, on the same path as any other answer (numeric, symbolic, diagnosis, cache). Names the
prompt does not define stay refused, as before. `interpreted` shows both forms:
"x1*(relu(z) - t)*1(z > 0), with z = b + w1*x1, i.e. x1*(relu(b + w1*x1) - t)*1(b + w1*x1 > 0)".
A name is put in parentheses where its definition needs them (t - z becomes t - (b + w1*x1)).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from quizgen.checker.verdict import CheckRequest, Verdict, invalid
from quizgen.mathparse import DEFAULT_LIMITS, KEY_LIMITS, AnswerSyntaxError, Parsed, parse_answer, parse_key
from quizgen.mathparse.names import CONSTANTS, FUNCTIONS, KEYWORDS, NAME_RE

MAX_DEFINITIONS = 16
"""A prompt defines a handful of names; more is a malformed request, not a problem."""


class DefinitionError(ValueError):
    """A definition cannot be used: a problem with the problem (manifest or request), not with the answer."""


@dataclass(frozen=True)
class Expanded:
    """An answer that used defined names: the answer in the variables only, and how it was read."""

    answer: str
    """The reading with every defined name replaced by its definition, in parentheses (plain syntax)."""
    shown: str
    """The reading as typed, the definitions it used, and the expanded form."""
    latex: str
    """The LaTeX of the reading as typed (with the names)."""


def normalize_definitions(definitions: object) -> tuple[tuple[str, str], ...]:
    """Definitions as sorted (name, expression) pairs, the hashable form requests and caches use.

    Raises:
        DefinitionError: not a mapping of names to expression strings.
    """
    if definitions is None:
        return ()
    if not isinstance(definitions, Mapping):
        if isinstance(definitions, tuple) and all(isinstance(p, tuple) and len(p) == 2 for p in definitions):
            definitions = dict(definitions)
        else:
            raise DefinitionError("definitions must map names to expressions")
    if len(definitions) > MAX_DEFINITIONS:
        raise DefinitionError(f"too many definitions ({len(definitions)}; at most {MAX_DEFINITIONS})")
    pairs = []
    for name, text in definitions.items():
        if not isinstance(name, str) or not isinstance(text, str):
            raise DefinitionError("definitions must map names to expression strings")
        pairs.append((name, text))
    return tuple(sorted(pairs))


@lru_cache(maxsize=1024)
def _load(pairs: tuple[tuple[str, str], ...], variables: tuple[str, ...]) -> dict[str, Parsed]:
    """Each definition read as a key in the problem's variables, checked to read back as an answer."""
    out: dict[str, Parsed] = {}
    for name, text in pairs:
        if not NAME_RE.fullmatch(name) or name in KEYWORDS or name in FUNCTIONS or name in CONSTANTS:
            raise DefinitionError(f"{name!r} cannot be a defined name (use a name that is not a function or constant)")
        if name in variables:
            raise DefinitionError(f"{name!r} is both a variable and a defined name")
        try:
            parsed = parse_key(text, list(variables))
            # the expansion is done in answer syntax, so the definition must read back the same way there
            again = parse_answer(parsed.text, list(variables), latex=False, limits=KEY_LIMITS)
        except AnswerSyntaxError as exc:
            raise DefinitionError(f"the definition {name} = {text!r} cannot be read: {exc.message}") from None
        if isinstance(parsed.value, tuple) or again.value != parsed.value:
            raise DefinitionError(f"the definition {name} = {text!r} is not a single expression")
        out[name] = parsed
    return out


def expand(answer: str, variables: Sequence[str], definitions: object, latex: bool | None) -> Expanded | None:
    """The answer with its defined names written out, or None when it uses none of them.

    Raises:
        DefinitionError: a definition cannot be used.
        AnswerSyntaxError: the answer cannot be read even with the defined names allowed.
    """
    pairs = normalize_definitions(definitions)
    if not pairs:
        return None
    defs = _load(pairs, tuple(variables))
    parsed = parse_answer(answer, [*variables, *defs], latex=latex)
    spelling = _spellings(tuple(defs), tuple(variables))
    pattern = _pattern(tuple(spelling))
    used: list[str] = []

    def written_out(match: re.Match[str]) -> str:
        name = spelling[match.group()]
        if name not in used:
            used.append(name)
        body = defs[name].text
        return body if _atom(body) or _stands_alone(source, match.start(), match.end()) else "(" + body + ")"

    source = parsed.text
    text = pattern.sub(written_out, source)
    if not used:
        return None
    given = ", ".join(f"{name} = {defs[name].text}" for name in used)
    return Expanded(text, f"{parsed.text}, with {given}, i.e. {text}", parsed.latex)


def _atom(body: str) -> bool:
    """A name, a number or one call such as Max(0, b + w1*x1): never needs parentheses."""
    if NAME_RE.fullmatch(body) or re.fullmatch(r"[0-9]+(?:/[0-9]+)?", body):
        return True
    m = re.match(r"[A-Za-z][A-Za-z0-9_]*\(", body)
    if not m or not body.endswith(")"):
        return False
    depth = 0
    for i in range(m.end() - 1, len(body)):
        depth += {"(": 1, ")": -1}.get(body[i], 0)
        if depth == 0:
            return i == len(body) - 1
    return False


def _stands_alone(text: str, start: int, end: int) -> bool:
    """Whether a sum put at text[start:end] reads the same without parentheses: it opens an argument or a
    side of a comparison, and is followed by the end of one, or by + or - (which group from the left)."""
    before = text[:start].rstrip()[-1:]
    after = text[end:].lstrip()[:1]
    return before in ("", "(", "[", ",", "<", ">", "=") and after in ("", ")", "]", ",", "<", ">", "=", "!", "+", "-")


def _spellings(names: tuple[str, ...], variables: tuple[str, ...]) -> dict[str, str]:
    """Every spelling of a defined name the parser accepts (z1 and z_1), mapped to the name."""
    out = {n: n for n in names}
    for n in names:
        alias = n.replace("_", "") if "_" in n else re.sub(r"^([A-Za-z]+)([0-9]+)$", r"\1_\2", n)
        if alias != n and alias not in variables and alias not in out:
            out[alias] = n
    return out


@lru_cache(maxsize=256)
def _pattern(spellings: tuple[str, ...]) -> re.Pattern[str]:
    """Whole identifiers only: in a reading, names are separated by operators, brackets or spaces."""
    alternatives = "|".join(re.escape(s) for s in sorted(spellings, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9_])(?:{alternatives})(?![A-Za-z0-9_])")


def _none_used(answer: str, variables: Sequence[str], definitions: object, latex: bool | None) -> bool:
    """Whether expand() would find no defined name in the answer, known without reading it a second time.

    Most answers to a problem with definitions use none (they are written in the variables). When no
    spelling of a defined name occurs anywhere in a plain ASCII answer, the defined names cannot give a
    token, so the reading with them allowed is token for token the reading in the variables alone: when
    that one succeeds and shows no defined name, expand() would return None and the check reads the
    answer in the variables, as here (that reading is the one the check then uses, from the parse cache).
    Anything else (a refusal, LaTeX, Unicode, a defined name's letters anywhere) takes expand()'s path,
    whose messages name the defined names too.

    Raises:
        DefinitionError: a definition cannot be used (as expand() would raise it, before any reading).
    """
    pairs = normalize_definitions(definitions)
    if not pairs:
        return True
    defs = _load(pairs, tuple(variables))
    if latex is True or not answer.isascii() or "\\" in answer or "{" in answer:
        return False
    spelling = _spellings(tuple(defs), tuple(variables))
    if any(s in answer for s in spelling):
        return False
    try:
        parsed = parse_answer(answer, list(variables), latex=latex)
    except (AnswerSyntaxError, ValueError):
        return False
    return _pattern(tuple(spelling)).search(parsed.text) is None


def check_with_definitions(
    req: CheckRequest, variables: Sequence[str], run: Callable[[CheckRequest], Verdict]
) -> Verdict:
    """Check req, whose definitions are set: run() checks the expanded answer, then the reading is shown
    with the names as typed and written out."""
    plain = replace(req, definitions=None)
    try:
        if _none_used(req.answer, variables, req.definitions, req.latex):
            return run(plain)
        expanded = expand(req.answer, variables, req.definitions, req.latex)
    except DefinitionError as exc:
        return invalid(f"Problem with the key, not the answer: {exc}", "bad_key")
    except AnswerSyntaxError as exc:
        return invalid(exc.message, "syntax")
    except ValueError as exc:  # a variable name the parser refuses: a setup error
        return invalid(f"Problem with the variables, not the answer: {exc}", "bad_key")
    if expanded is None:
        return run(plain)
    if len(expanded.answer) > DEFAULT_LIMITS.max_length:
        names = expanded.shown.split(", with ", 1)[0]
        return invalid(
            "This answer is too long once the names from the prompt are written out in the variables; "
            "write some of it in the variables.",
            "syntax",
            names,
        )
    verdict = run(replace(plain, answer=expanded.answer, latex=False))
    if not verdict.interpreted:
        return verdict
    return replace(verdict, interpreted=expanded.shown, interpreted_latex=expanded.latex)
