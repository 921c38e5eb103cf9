"""The bank's slot schema, declared: the common slot keys and every family's options, checked and documented
from the same Option objects.

SLOT_OPTIONS declares the keys every slot may have (family, difficulty, variables, ...), in the order they
are checked: later keys read the values of earlier ones (wrt and point read ask and variables), as in
mkdocs' config/defaults.py. A family adds its own keys in Family.options and rules that tie keys together
in Family.check_slot. check_slot_keys() validates one slot mapping and returns (key, message) pairs;
the loader (quizgen.bank) adds file, line and key path. `quizgen bank schema` prints schema_text() and
docs/bank-schema.md is schema_markdown() (`python -m quizgen.bank_schema --markdown > docs/bank-schema.md`).
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from quizgen.errors import BankError
from quizgen.families.base import Family
from quizgen.families.options import (
    Boolean,
    Option,
    SlotContext,
    ValidationError,
    as_option,
    is_int,
    shown_value,
    type_name,
)
from quizgen.families.registry import family_names, get_family, unknown_family_message
from quizgen.maxima_names import maxima_name_problem

ASKS = ("partial", "gradient", "value")
DEFAULT_COEFFICIENTS = (1, 5)
COEFFICIENT_LIMIT = 1000
"""Largest coefficient magnitude a bank may ask for: bigger numbers make keys too long to typeset."""
POINT_LIMIT = 1000
POINTS_LIMIT = 1_000_000
"""Largest `points` a slot may carry."""
MAX_SLOTS = 100
"""Most problems on one sheet; each slot is drawn once to be checked, so this also bounds `bank check`."""
TEXT_LIMITS = {"title": 300, "course": 300, "instructions": 10_000}
"""Characters of the texts printed on every sheet (TeX reads at most 200,000 characters on one line)."""
VARIABLE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,7}$")
RESERVED_NAMES = frozenset(
    (
        "e",
        "E",
        "I",
        "pi",
        "oo",
        "nan",
        "exp",
        "log",
        "ln",
        "sin",
        "cos",
        "tan",
        "sec",
        "csc",
        "cot",
        "sqrt",
        "abs",
        "Abs",
        "sign",
        "max",
        "min",
        "Max",
        "Min",
        "relu",
        "sigmoid",
        "Heaviside",
        "Piecewise",
        "True",
        "False",
        "diff",
        "and",
        "or",
        "not",
        "if",
        "else",
        "lambda",
    )
)
"""Names a variable may not take: the answer parser reads them as functions or constants."""


def _families() -> str:
    return ", ".join(family_names())


@dataclass(frozen=True)
class FamilyName(Option):
    """The registered family the slot draws from; every other key is checked against it."""

    def missing(self, ctx: SlotContext) -> Any:
        raise ValidationError(f"missing; valid families: {_families()}")

    def validate(self, value: Any, ctx: SlotContext) -> Any:
        if not isinstance(value, str):
            raise ValidationError(f"must be a family name, got {type_name(value)}; valid families: {_families()}")
        if value not in family_names():
            raise ValidationError(unknown_family_message(str(value)))
        try:
            ctx.family = get_family(str(value))
        except BankError as exc:
            raise ValidationError(exc.message) from None
        return ctx.family.name

    def kind(self) -> str:
        return "a family name (required)"


@dataclass(frozen=True)
class Level(Option):
    """An integer level among the family's difficulties."""

    def validate(self, value: Any, ctx: SlotContext) -> Any:
        if not is_int(value):
            raise ValidationError(f"must be an integer, got {type_name(value)}")
        family = ctx.family
        if family is not None and int(value) not in family.difficulties:
            levels = ", ".join(str(d) for d in family.difficulties)
            raise ValidationError(f"{int(value)} is not a level of {family.name}; choose one of {levels}")
        return int(value)

    def kind(self) -> str:
        return "integer, one of the family's levels"


def _name_problem(item: Any, names: list[str]) -> str:
    if not isinstance(item, str) or not VARIABLE_RE.match(item):
        return f"{shown_value(item)} is not a variable name (a letter, then up to 7 letters, digits or _)"
    if item in RESERVED_NAMES:
        return f"{shown_value(item)} is reserved for a function or constant; choose another name"
    why = maxima_name_problem(item)
    if why:
        return f"{shown_value(item)} is {why}, so Moodle STACK questions could not use it; choose another name"
    if item in names:
        return f"{shown_value(item)} is listed twice"
    return ""


def _count_problem(family: Family | None, names: tuple[str, ...]) -> str:
    if family is None or family.min_variables <= len(names) <= family.max_variables:
        return ""
    lo, hi = family.min_variables, family.max_variables
    takes = f"exactly {lo}" if lo == hi else f"{lo} to {hi}"
    return f"{family.name} takes {takes} variable{'s' if hi > 1 else ''}, got {len(names)}"


@dataclass(frozen=True)
class VariableNames(Option):
    """Distinct variable names, as many as the family takes; names the answer parser reserves are refused."""

    def missing(self, ctx: SlotContext) -> Any:
        if ctx.family is None:
            return None
        ctx.declared = tuple(ctx.family.default_variables)
        return ctx.declared

    def validate(self, value: Any, ctx: SlotContext) -> Any:
        if not isinstance(value, list) or not value:
            raise ValidationError(f"must be a non-empty list of names such as [x, y], got {type_name(value)}")
        names: list[str] = []
        problems = []
        for item in value:
            problem = _name_problem(item, names)
            if problem:
                problems.append(problem)
            else:
                names.append(str(item))
        if problems:
            raise ValidationError(*problems)
        ctx.declared = tuple(names)
        problem = _count_problem(ctx.family, ctx.declared)
        if problem:
            raise ValidationError(problem)
        return ctx.declared

    def kind(self) -> str:
        return "list of names, as many as the family takes"


@dataclass(frozen=True)
class CoefficientRange(Option):
    """An inclusive integer range [lo, hi] containing a non-zero integer, within ±limit."""

    limit: int = COEFFICIENT_LIMIT

    def validate(self, value: Any, ctx: SlotContext) -> Any:
        if not (isinstance(value, list) and len(value) == 2 and all(is_int(v) for v in value)):
            raise ValidationError(f"must be a range [lo, hi] of two integers, got {shown_value(value)}")
        lo, hi = int(value[0]), int(value[1])
        if lo > hi:
            raise ValidationError(f"bad range [{lo}, {hi}]: lo must not exceed hi")
        if lo == hi == 0:
            raise ValidationError("bad range [0, 0]: it must contain a non-zero integer")
        if max(abs(lo), abs(hi)) > self.limit:
            raise ValidationError(f"bad range [{lo}, {hi}]: keep coefficients within ±{self.limit}")
        return (lo, hi)

    def kind(self) -> str:
        return f"range [lo, hi] of integers within ±{self.limit}"


@dataclass(frozen=True)
class PositiveNumber(Option):
    """A number greater than zero and at most limit (an integer or a decimal)."""

    limit: float = POINTS_LIMIT

    def validate(self, value: Any, ctx: SlotContext) -> Any:
        if not (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and not (isinstance(value, float) and math.isnan(value))
        ):
            raise ValidationError(f"must be a number, got {type_name(value)}")
        if not math.isfinite(value) or value > self.limit:
            raise ValidationError(f"must be a number up to {self.limit:,}, got {value}")
        if value <= 0:
            raise ValidationError(f"must be positive, got {value}")
        return float(value)

    def kind(self) -> str:
        return f"positive number up to {self.limit:,}"


@dataclass(frozen=True)
class AskKind(Option):
    """What the problem asks for, among what the family supports."""

    def missing(self, ctx: SlotContext) -> Any:
        return ctx.family.asks[0] if ctx.family is not None else None

    def validate(self, value: Any, ctx: SlotContext) -> Any:
        if not isinstance(value, str) or value not in ASKS:
            raise ValidationError(f"must be one of {', '.join(ASKS)}, got {shown_value(value)}")
        family = ctx.family
        if family is not None and value not in family.asks:
            raise ValidationError(
                f"{family.name} cannot ask {shown_value(value)}; it supports {', '.join(family.asks)}"
            )
        return str(value)

    def kind(self) -> str:
        return f"one of {', '.join(ASKS)}, among what the family supports"


@dataclass(frozen=True)
class Wrt(Option):
    """The variable a partial derivative is taken along (not used for a gradient)."""

    def validate(self, value: Any, ctx: SlotContext) -> Any:
        if not isinstance(value, str):
            raise ValidationError(f"must be a variable name, got {type_name(value)}")
        if ctx.values.get("ask") == "gradient":
            raise ValidationError("not used when ask is gradient (the gradient is along every variable); remove it")
        if ctx.declared is not None and value not in ctx.declared:
            raise ValidationError(f"{shown_value(value)} is not among the variables ({', '.join(ctx.declared)})")
        return str(value)

    def kind(self) -> str:
        return "one of the slot's variables"


def point_number(value: Any) -> Fraction | None:
    """A point coordinate: an integer, a decimal, or a fraction written "p/q" (parsed without eval)."""
    if is_int(value):
        return Fraction(int(value))
    if isinstance(value, float) and math.isfinite(value):
        return Fraction(str(value))
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*(/\s*\d+\s*)?", value):
        try:
            return Fraction(value.replace(" ", ""))
        except ZeroDivisionError:
            return None
    return None


def _coordinate(key: Any, raw: Any, declared: tuple[str, ...] | None) -> tuple[Fraction | None, str]:
    """One coordinate of an explicit point and the problem with it ('' when it is fine)."""
    coordinate = point_number(raw)
    if declared is not None and key not in declared:
        return None, f"{shown_value(key)} is not among the variables ({', '.join(declared)})"
    if coordinate is None:
        return None, f"{key}: {shown_value(raw)} is not a number (write 2, -1, 0.5 or 1/2)"
    if abs(coordinate) > POINT_LIMIT:
        return None, f"{key}: keep values within ±{POINT_LIMIT}"
    return coordinate, ""


@dataclass(frozen=True)
class Point(Option):
    """Where a value problem is evaluated: "random" (integers drawn per sheet) or a value for every variable."""

    def missing(self, ctx: SlotContext) -> Any:
        return "random" if ctx.values.get("ask") == "value" else None

    def validate(self, value: Any, ctx: SlotContext) -> Any:
        ask = ctx.values.get("ask")
        if ask is not None and ask != "value":
            raise ValidationError("only used when ask is value; remove it or set ask: value")
        if isinstance(value, str) and value == "random":
            return "random"
        if not isinstance(value, dict):
            raise ValidationError(f'must be "random" or a mapping like {{x: 1, y: 2}}, got {shown_value(value)}')
        return self._explicit(value, ctx)

    def _explicit(self, value: dict[Any, Any], ctx: SlotContext) -> dict[str, int | Fraction]:
        coords: dict[str, Fraction] = {}
        problems = []
        for key, raw in value.items():
            coordinate, problem = _coordinate(key, raw, ctx.declared)
            if problem:
                problems.append(problem)
            elif coordinate is not None:
                coords[str(key)] = coordinate
        variables = ctx.values.get("variables") or ()
        missing = [v for v in variables if v not in value]
        if missing:
            problems.append(f"gives no value for {', '.join(missing)}; give every variable a value")
        if problems:
            raise ValidationError(*problems)
        # Fractions stay Fractions in SlotSpec.point (families turn them into sympy Rationals)
        return {v: (int(coords[v]) if coords[v].denominator == 1 else coords[v]) for v in variables}

    def kind(self) -> str:
        return f'"random", or a mapping giving every variable a number within ±{POINT_LIMIT} (2, -1, 0.5, 1/2)'


WORKING_LIMIT_CM = 25.0
"""Most room for working one problem may ask for (a page's text height is about 25 cm)."""
_LENGTH = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(cm|mm)?\s*$")


@dataclass(frozen=True)
class WorkingSpace(Option):
    """Blank room for working under a worksheet problem: centimetres as a number, or "4cm" / "35mm"."""

    def validate(self, value: Any, ctx: SlotContext) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValidationError(f'must be a length such as 4 (centimetres), "4cm" or "35mm", got {type_name(value)}')
        if isinstance(value, str):
            m = _LENGTH.match(value)
            if m is None:
                raise ValidationError(
                    f'must be a length such as 4 (centimetres), "4cm" or "35mm", got {shown_value(value)}'
                )
            cm = float(m.group(1)) / (10 if m.group(2) == "mm" else 1)
        else:
            cm = float(value)
        if not math.isfinite(cm) or not 0 <= cm <= WORKING_LIMIT_CM:
            raise ValidationError(f"must be between 0 and {WORKING_LIMIT_CM:g} cm, got {shown_value(value)}")
        return round(cm, 2)

    def kind(self) -> str:
        return f'length from 0 to {WORKING_LIMIT_CM:g} cm: a number of centimetres, or "4cm" / "35mm"'


SLOT_OPTIONS: Mapping[str, Option] = {
    "family": FamilyName(help="The problem family this slot draws from (`quizgen bank list`)."),
    "difficulty": Level(
        default=lambda ctx: min(ctx.family.difficulties) if ctx.family is not None else None,
        default_text="the family's lowest level",
        help="How hard the drawn problem is; each family lists its levels.",
    ),
    "variables": VariableNames(
        default_text="the family's default variables",
        help="The names the problem uses: a letter, then up to 7 letters, digits or _; not a function or constant "
        "(exp, e, pi) nor a Maxima name (do, if, inf), so every bank exports to STACK.",
    ),
    "coefficients": CoefficientRange(
        default=DEFAULT_COEFFICIENTS,
        help="The inclusive range coefficients are drawn from; 0 is never drawn as a coefficient.",
    ),
    "points": PositiveNumber(default=1.0, default_text="1", help="What the problem is worth on the sheet."),
    "ask": AskKind(
        default_text="the family's first ask",
        help="partial: one partial derivative; gradient: every partial; value: a partial's value at a point.",
    ),
    "wrt": Wrt(default_text="drawn per sheet", help="The variable to differentiate by (partial and value asks)."),
    "point": Point(
        default_text='"random" when ask is value',
        help="Where a value ask is evaluated (only with ask: value).",
    ),
    "working": WorkingSpace(
        default_text="by family, difficulty and ask (quizgen.render.context.default_working)",
        help="Blank room for working under the problem on the worksheet (0 for none).",
    ),
    "allow_zero": Boolean(default=False, help="Accept a draw whose answer is identically zero (normally redrawn)."),
}
"""The keys every slot may have, in the order they are checked (later keys read earlier values)."""

SLOT_KEYS = tuple(SLOT_OPTIONS)


def family_options(family: Family | None) -> dict[str, Option]:
    """A family's own keys as Option objects, sorted by name (the order they are checked and listed)."""
    declared = dict(family.options) if family is not None else {}
    return {key: as_option(declared[key]) for key in sorted(declared)}


@dataclass
class CheckedSlot:
    """The outcome of checking one slot mapping: every problem as (key, message), and the values kept."""

    problems: list[tuple[Any, str]]
    values: dict[str, Any]
    options: dict[str, Any]
    family: Family | None


def _check_key(node: Mapping[Any, Any], key: str, option: Option, ctx: SlotContext) -> Iterator[tuple[str, str]]:
    """Check one declared key, store its value (None when invalid) in ctx.values, yield its problems."""
    try:
        ctx.values[key] = option.validate(node[key], ctx) if key in node else option.missing(ctx)
    except ValidationError as exc:
        ctx.values[key] = None
        yield from ((key, message) for message in exc.messages)


def _unknown_keys(node: Mapping[Any, Any], allowed: list[str]) -> Iterator[tuple[Any, str]]:
    for key in node:
        if key not in allowed:
            yield key, f"unknown key; allowed keys: {', '.join(allowed)}"


def check_slot_keys(node: Mapping[Any, Any]) -> CheckedSlot:
    """Check a slot mapping against SLOT_OPTIONS and its family's options, every problem at once.

    The family comes first (everything else is checked against it), then unknown keys, then the common
    keys in declaration order, then the family's keys by name.
    """
    ctx = SlotContext()
    problems: list[tuple[Any, str]] = list(_check_key(node, "family", SLOT_OPTIONS["family"], ctx))
    own = family_options(ctx.family)
    problems += _unknown_keys(node, list(SLOT_KEYS) + list(own))
    for key, option in list(SLOT_OPTIONS.items())[1:]:
        problems += _check_key(node, key, option, ctx)
    # SlotSpec.options holds allow_zero and the family's keys as the bank gives them (no defaults filled in)
    options = {"allow_zero": ctx.values["allow_zero"]} if "allow_zero" in node else {}
    for key, option in own.items():
        if key in node:
            problems += _check_key(node, key, option, ctx)
            options[key] = ctx.values[key]
    return CheckedSlot(problems, ctx.values, options, ctx.family)


@dataclass(frozen=True)
class Text(Option):
    """Text of at most limit characters (an empty value is no text); required_hint makes the key required
    and says what to add."""

    required_hint: str = ""
    limit: int | None = None

    def missing(self, ctx: SlotContext) -> Any:
        if self.required_hint:
            raise ValidationError(f"missing; {self.required_hint}")
        return ""

    def validate(self, value: Any, ctx: SlotContext) -> Any:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ValidationError(f"must be text, got {type_name(value)}")
        if self.limit is not None and len(value) > self.limit:
            raise ValidationError(f"{len(value):,} characters; at most {self.limit:,} fit on a sheet")
        return str(value)

    def kind(self) -> str:
        limit = f" of at most {self.limit:,} characters" if self.limit is not None else ""
        return f"text{limit} (required)" if self.required_hint else f"text{limit}"


@dataclass(frozen=True)
class Seed(Option):
    """A non-negative integer, or nothing."""

    def validate(self, value: Any, ctx: SlotContext) -> Any:
        if value is not None and (not is_int(value) or value < 0):
            raise ValidationError(f"must be a non-negative integer, got {shown_value(value)}")
        return None if value is None else int(value)

    def kind(self) -> str:
        return "non-negative integer"


@dataclass(frozen=True)
class SlotList(Option):
    """The non-empty list of slots, at most limit of them; each is checked against the slot keys below."""

    limit: int = MAX_SLOTS

    def missing(self, ctx: SlotContext) -> Any:
        raise ValidationError("missing; add a list of slots (see banks/demo.yaml)")

    def validate(self, value: Any, ctx: SlotContext) -> Any:
        if not isinstance(value, list) or not value:
            raise ValidationError(f"must be a non-empty list, got {type_name(value)}")
        if len(value) > self.limit:
            raise ValidationError(f"{len(value):,} slots; a sheet has at most {self.limit} problems, so split the bank")
        return value

    def kind(self) -> str:
        return f"list of 1 to {self.limit} slots (required)"


BANK_OPTIONS: Mapping[str, Option] = {
    "title": Text(
        required_hint="add `title: ...` to the bank",
        limit=TEXT_LIMITS["title"],
        help="The title printed on every sheet.",
    ),
    "course": Text(limit=TEXT_LIMITS["course"], help="The course line under the title."),
    "instructions": Text(
        limit=TEXT_LIMITS["instructions"],
        help="Instructions printed before the problems; blank lines separate paragraphs.",
    ),
    "seed": Seed(default_text="0", help="Seed for every random choice; `generate --seed` overrides it."),
    "slots": SlotList(help="One slot per problem on every sheet, numbered from 1."),
}
"""The top-level keys of a bank."""

TOP_KEYS = tuple(BANK_OPTIONS)


def check_bank_keys(data: Mapping[Any, Any]) -> tuple[list[tuple[Any, str]], dict[str, Any]]:
    """Check a bank's top-level mapping: unknown keys, then each key of BANK_OPTIONS in order.
    Returns the (key, message) problems and the values (None for an invalid key)."""
    ctx = SlotContext()
    problems: list[tuple[Any, str]] = list(_unknown_keys(data, list(TOP_KEYS)))
    for key, option in BANK_OPTIONS.items():
        problems += _check_key(data, key, option, ctx)
    return problems, ctx.values


# ---- printing the schema: `quizgen bank schema` and docs/bank-schema.md ----


@dataclass(frozen=True)
class OptionDoc:
    """One key as the docs show it."""

    key: str
    kind: str
    default: str
    help: str


def _docs(options: Mapping[str, Option]) -> list[OptionDoc]:
    return [OptionDoc(key, o.kind(), o.describe_default(), o.help or "(no help given)") for key, o in options.items()]


def _family_facts(family: Family) -> str:
    lo, hi = family.min_variables, family.max_variables
    count = f"{lo}" if lo == hi else f"{lo} to {hi}"
    return (
        f"asks: {', '.join(family.asks)}; difficulty: {', '.join(str(d) for d in family.difficulties)}; "
        f"variables: {count} (default {', '.join(family.default_variables)})"
    )


def _loaded_families(*, shipped_only: bool = False) -> list[tuple[str, Family | None, str]]:
    """(name, family, error) for every registered family (a family that fails to load is listed with why);
    shipped_only keeps quizgen's own families, so the docs page does not depend on what else is installed."""
    found: list[tuple[str, Family | None, str]] = []
    for name in family_names():
        try:
            family = get_family(name)
        except BankError as exc:
            if not shipped_only:
                found.append((name, None, exc.message))
            continue
        if not shipped_only or type(family).__module__.startswith("quizgen."):
            found.append((name, family, ""))
    return found


def _text_rows(docs: list[OptionDoc], indent: str) -> list[str]:
    width = max((len(d.key) for d in docs), default=0)
    lines = []
    for doc in docs:
        default = f" (default: {doc.default})" if doc.default else ""
        lines.append(f"{indent}{doc.key:<{width}}  {doc.kind}{default}")
        lines.append(f"{indent}{'':<{width}}  {doc.help}")
    return lines


def schema_text() -> str:
    """The slot schema as `quizgen bank schema` prints it: the common keys, then each family's keys."""
    lines = ["A bank has these keys:", *_text_rows(_docs(BANK_OPTIONS), "  "), ""]
    lines += ["Every slot may have these keys:", *_text_rows(_docs(SLOT_OPTIONS), "  "), ""]
    for name, family, error in _loaded_families():
        lines += [*_family_text(name, family, error), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _family_text(name: str, family: Family | None, error: str) -> list[str]:
    if family is None:
        return [f"{name}: {error}"]
    own = _docs(family_options(family))
    return [f"{name}  [{_family_facts(family)}]", *(_text_rows(own, "  ") if own else ["  (no keys of its own)"])]


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def _md_table(docs: list[OptionDoc]) -> list[str]:
    rows = ["| Key | Value | Default | Meaning |", "| --- | --- | --- | --- |"]
    rows += [f"| `{d.key}` | {_md_cell(d.kind)} | {_md_cell(d.default) or '-'} | {_md_cell(d.help)} |" for d in docs]
    return rows


def schema_markdown() -> str:
    """docs/bank-schema.md: the same declarations as `quizgen bank schema`, as a Markdown page (the families
    quizgen ships; `quizgen bank schema` also lists installed third-party ones)."""
    lines = [
        "# Bank schema",
        "",
        "<!-- Generated from the declarations in quizgen/bank_schema.py and each family's options by",
        "     `python -m quizgen.bank_schema --markdown > docs/bank-schema.md`; do not edit by hand. -->",
        "",
        "A bank is a YAML mapping with the top-level keys below; each of its slots is a mapping with the slot",
        "keys below plus the keys of its family. `quizgen bank check` checks every key when the bank is loaded",
        "and reports each problem as `file:line: slots[N].key: message`. `quizgen bank schema` prints the same",
        "declarations, with any third-party families installed.",
        "",
        "## Top-level keys",
        "",
        *_md_table(_docs(BANK_OPTIONS)),
        "",
        "## Keys of every slot",
        "",
        *_md_table(_docs(SLOT_OPTIONS)),
    ]
    for name, family, error in _loaded_families(shipped_only=True):
        lines += ["", f"## `{name}`", ""]
        if family is None:
            lines.append(f"Could not be loaded: {error}")
            continue
        lines += [f"{family.summary.rstrip('.')}.", "", f"{_family_facts(family).capitalize()}.", ""]
        own = _docs(family_options(family))
        lines += _md_table(own) if own else ["No keys of its own."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """`python -m quizgen.bank_schema [--markdown]`: print the schema as text or as the docs page."""
    args = sys.argv[1:] if argv is None else argv
    if args not in ([], ["--markdown"]):
        print("usage: python -m quizgen.bank_schema [--markdown]", file=sys.stderr)
        return 2
    sys.stdout.write(schema_markdown() if args else schema_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
