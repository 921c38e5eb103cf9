"""Load and validate a YAML bank, reporting every problem at once as `file:line: key path: message`.

A bank is a title, a course line, instructions, an optional seed and a list of slots; each slot becomes one
problem on every sheet. ruamel.yaml keeps the line of every key, so each error names where to look; nothing
invalid reaches generation. Slots are numbered from 1, like the problems on a sheet (slots[1] is the first).
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent

from quizgen.draw import trial_draw
from quizgen.errors import BankError
from quizgen.families.base import Family, SlotSpec
from quizgen.families.registry import family_names, get_family, unknown_family_message
from quizgen.maxima_names import maxima_name_problem
from quizgen.resources import missing_bank_hint, resolve_bank

ASKS = ("partial", "gradient", "value")
TOP_KEYS = ("title", "course", "instructions", "seed", "slots")
SLOT_KEYS = ("family", "difficulty", "variables", "coefficients", "points", "ask", "wrt", "point", "allow_zero")
DEFAULT_COEFFICIENTS = (1, 5)
COEFFICIENT_LIMIT = 1000
"""Largest coefficient magnitude a bank may ask for: bigger numbers make keys too long to typeset."""
POINT_LIMIT = 1000
POINTS_LIMIT = 1_000_000
"""Largest `points` a slot may carry."""
MAX_SLOTS = 100
"""Most problems on one sheet; each slot is drawn once to be checked, so this also bounds `bank check`."""
MAX_BANK_BYTES = 5_000_000
MAX_DEPTH = 20
"""Deepest nesting of lists and mappings; a bank needs 4 (slots, slot, point, value)."""
MAX_VALUES = 10_000
"""Most values a bank may hold once YAML aliases are expanded (a "billion laughs" bank expands to 10^9)."""
MAX_DIGITS = 30
"""Longest number a bank may write; the limit is on the text, before YAML turns it into an integer."""
VARIABLE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,7}$")
RESERVED_NAMES = frozenset(
    "e E I pi oo nan exp log ln sin cos tan sec csc cot sqrt abs Abs sign max min Max Min relu sigmoid "
    "Heaviside Piecewise True False diff and or not if else lambda".split()
)
"""Names a variable may not take: the answer parser reads them as functions or constants."""


@dataclass(frozen=True)
class Bank:
    """A validated bank. path is as given by the user (a file, or a shipped bank's name such as "demo");
    sha256 is of the file's bytes (manifest.bank_sha256).

    text is the file's exact text (its UTF-8 encoding has that sha256): manifests embed it.
    """

    path: str
    sha256: str
    title: str
    course: str
    instructions: str
    seed: int | None
    slots: list[SlotSpec]
    text: str = ""


class _Errors:
    """Collects `file:line: key path: message` lines in the order they are found."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._found: list[tuple[int, str]] = []

    def add(self, line: int | None, key: str, message: str) -> None:
        where = f"{self.path}:{line}" if line else self.path
        self._found.append((line or 0, f"{where}: {key}: {message}" if key else f"{where}: {message}"))

    @property
    def lines(self) -> list[str]:
        """The messages in file order (stable for errors on the same line)."""
        return [text for _, text in sorted(self._found, key=lambda found: found[0])]

    def __len__(self) -> int:
        return len(self._found)


def _key_line(node: Any, key: Any) -> int | None:
    try:
        return int(node.lc.key(key)[0]) + 1
    except Exception:  # noqa: BLE001 - plain dicts (no position) report no line
        return _node_line(node)


def _item_line(node: Any, index: int) -> int | None:
    try:
        return int(node.lc.item(index)[0]) + 1
    except Exception:  # noqa: BLE001
        return _node_line(node)


def _node_line(node: Any) -> int | None:
    try:
        return int(node.lc.line) + 1
    except Exception:  # noqa: BLE001
        return None


_EXPECTED = {list: "a list", int: "an integer", str: "text", bool: "true or false", float: "a number", dict: "a mapping"}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)) and value == value


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _shown(value: Any, depth: int = 0) -> str:
    """A bank value as it appears in a message, cut short: aliases can make a value very large."""
    if isinstance(value, dict):
        items = [f"{_shown(k, depth + 1)}: {_shown(v, depth + 1)}" for k, v in list(value.items())[:4]]
        text = "{" + ", ".join(items) + (", ..." if len(value) > 4 else "") + "}"
    elif isinstance(value, list):
        items = [_shown(v, depth + 1) for v in value[:6]] if depth < 3 else ["..."]
        text = "[" + ", ".join(items) + (", ..." if len(value) > 6 else "") + "]"
    else:
        text = repr(value if not isinstance(value, str) else str(value))
    return text if len(text) <= 80 else text[:77] + "..."


def _point_number(value: Any) -> Fraction | None:
    """A point coordinate: an integer, a decimal, or a fraction written "p/q" (parsed without eval)."""
    if _is_int(value):
        return Fraction(int(value))
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        return Fraction(str(value))
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*(/\s*\d+\s*)?", value):
        try:
            return Fraction(value.replace(" ", ""))
        except ZeroDivisionError:
            return None
    return None


def _read(path: Path, shown: str) -> tuple[bytes, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BankError(f"{shown}: no such bank file or shipped bank; {missing_bank_hint()}") from None
    except IsADirectoryError:
        raise BankError(f"{shown}: is a folder, not a bank file; give the path of a .yaml bank") from None
    except OSError as exc:
        raise BankError(f"{shown}: cannot read the bank ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BankError(f"{shown}:{line}: the bank is not UTF-8 text; save it as UTF-8") from None
    if len(raw) > MAX_BANK_BYTES:
        raise BankError(f"{shown}: the bank is {len(raw):,} bytes, more than a bank needs "
                        f"(the limit is {MAX_BANK_BYTES:,}); check it is the right file")
    yaml = YAML(typ="rt")
    try:
        _check_shape(yaml, text, shown)
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise BankError(f"{shown}{line}: YAML syntax error: {problem}; fix the YAML") from None
    except ReaderError as exc:  # a character YAML does not allow (NUL, other control characters)
        line = text[: exc.position].count("\n") + 1 if isinstance(exc.position, int) else 0
        where = f"{shown}:{line}" if line else shown
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        raise BankError(f"{where}: the control character U+{code:04X} is not allowed in YAML; remove it") from None
    except YAMLError as exc:
        raise BankError(f"{shown}: YAML syntax error: {str(exc).splitlines()[0]}; fix the YAML") from None
    except (RecursionError, ValueError, OverflowError) as exc:  # after _check_shape, a YAML library edge case
        raise BankError(f"{shown}: the bank cannot be read ({type(exc).__name__}); simplify the YAML") from None
    return raw, data


_NUMBER = re.compile(r"[-+]?(?:0[xob])?[0-9_]+(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?")


_DEEP_BRACKETS = re.compile(r"[\[{](?:\s*[\[{]){%d}" % MAX_DEPTH)
"""More than MAX_DEPTH brackets opened in a row: YAML's scanner would read them all before the first event."""


def _check_shape(yaml: YAML, text: str, shown: str) -> None:
    """Refuse, from the event stream and before anything is built, what would exhaust time or memory:
    nesting past MAX_DEPTH (the YAML composer recurses), aliases that expand past MAX_VALUES values, and
    numbers longer than MAX_DIGITS digits. Linear in the file; raises BankError with the line."""
    deep = _DEEP_BRACKETS.search(text)
    if deep:
        raise BankError(f"{shown}:{text.count(chr(10), 0, deep.start()) + 1}: lists and mappings nested more than "
                        f"{MAX_DEPTH} deep; a bank needs 4 levels, so check the brackets and indentation")
    depth = 0
    total = 0
    sizes: dict[str, int] = {}  # anchor -> values it stands for, aliases inside it expanded
    open_anchors: list[tuple[str, int]] = []  # (anchor, total when its collection started)
    for event in yaml.parse(text):
        line = event.start_mark.line + 1
        if isinstance(event, AliasEvent):
            weight = sizes.get(str(event.anchor), 1)
        elif isinstance(event, (ScalarEvent, CollectionStartEvent)):
            weight = 1
        else:
            weight = 0
        total += weight
        if total > MAX_VALUES:
            raise BankError(f"{shown}:{line}: the bank holds more than {MAX_VALUES:,} values, counting what YAML "
                            "aliases (*name) repeat; a bank needs far fewer, so look for nested aliases")
        if isinstance(event, ScalarEvent):
            if event.anchor is not None:
                sizes[str(event.anchor)] = 1
            value = event.value
            if event.style is None and len(value) > MAX_DIGITS and _NUMBER.fullmatch(value):
                raise BankError(f"{shown}:{line}: a number {len(value):,} characters long; numbers in a bank "
                                f"have at most {MAX_DIGITS} digits")
        elif isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise BankError(f"{shown}:{line}: lists and mappings nested more than {MAX_DEPTH} deep; "
                                "a bank needs 4 levels, so check the brackets and indentation")
            open_anchors.append((str(event.anchor) if event.anchor is not None else "", total - 1))
        elif isinstance(event, CollectionEndEvent):
            depth -= 1
            anchor, start = open_anchors.pop()
            if anchor:
                sizes[anchor] = total - start


TEXT_LIMITS = {"title": 300, "course": 300, "instructions": 10_000}
"""Characters of the texts printed on every sheet (TeX reads at most 200,000 characters on one line)."""


def _check_text(errors: _Errors, node: Any, key: str, *, required: bool) -> str:
    if key not in node:
        if required:
            errors.add(_node_line(node), key, f"missing; add `{key}: ...` to the bank")
        return ""
    value = node[key]
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(_key_line(node, key), key, f"must be text, got {_type_name(value)}")
        return ""
    if len(value) > TEXT_LIMITS.get(key, len(value)):
        errors.add(_key_line(node, key), key, f"{len(value):,} characters; at most {TEXT_LIMITS[key]:,} fit on a sheet")
        return ""
    return str(value)


def _check_slot(errors: _Errors, slots: Any, index: int, number: int) -> SlotSpec | None:
    node = slots[index]
    prefix = f"slots[{number}]"
    line = _item_line(slots, index)
    if not isinstance(node, dict):
        errors.add(line, prefix, f"must be a mapping with family, difficulty, ...; got {_type_name(node)}")
        return None
    before = len(errors)

    def err(key: str, message: str) -> None:
        errors.add(_key_line(node, key) if key in node else (_node_line(node) or line), f"{prefix}.{key}", message)

    # family first: everything else is checked against it
    family: Family | None = None
    name = node.get("family")
    if "family" not in node:
        err("family", f"missing; valid families: {', '.join(family_names())}")
    elif not isinstance(name, str):
        err("family", f"must be a family name, got {_type_name(name)}; valid families: {', '.join(family_names())}")
    elif name not in family_names():
        err("family", unknown_family_message(str(name)))
    else:
        try:
            family = get_family(str(name))
        except BankError as exc:
            err("family", exc.message)
    options_schema: dict[str, type] = dict(family.options) if family is not None else {}

    for key in node:
        if key not in SLOT_KEYS and key not in options_schema:
            allowed = list(SLOT_KEYS) + sorted(options_schema)
            name = key if isinstance(key, str) else _shown(key)
            errors.add(_key_line(node, key), f"{prefix}.{name}", f"unknown key; allowed keys: {', '.join(allowed)}")

    difficulty = None
    if "difficulty" in node:
        value = node["difficulty"]
        if not _is_int(value):
            err("difficulty", f"must be an integer, got {_type_name(value)}")
        elif family is not None and int(value) not in family.difficulties:
            levels = ", ".join(str(d) for d in family.difficulties)
            err("difficulty", f"{int(value)} is not a level of {family.name}; choose one of {levels}")
        else:
            difficulty = int(value)
    elif family is not None:
        difficulty = min(family.difficulties)

    variables: tuple[str, ...] | None = None
    declared: tuple[str, ...] | None = None  # names as written, for checking wrt and point even if the count is wrong
    if "variables" in node:
        value = node["variables"]
        if not isinstance(value, list) or not value:
            err("variables", f"must be a non-empty list of names such as [x, y], got {_type_name(value)}")
        else:
            names = []
            for item in value:
                if not isinstance(item, str) or not VARIABLE_RE.match(item):
                    err("variables",
                        f"{_shown(item)} is not a variable name (a letter, then up to 7 letters, digits or _)")
                elif item in RESERVED_NAMES:
                    err("variables", f"{_shown(item)} is reserved for a function or constant; choose another name")
                elif why := maxima_name_problem(item):
                    err("variables", f"{_shown(item)} is {why}, so Moodle STACK questions could not use it; "
                        "choose another name")
                elif item in names:
                    err("variables", f"{_shown(item)} is listed twice")
                else:
                    names.append(str(item))
            if len(names) == len(value):
                variables = declared = tuple(names)
                if family is not None and not family.min_variables <= len(names) <= family.max_variables:
                    lo, hi = family.min_variables, family.max_variables
                    takes = f"exactly {lo}" if lo == hi else f"{lo} to {hi}"
                    err("variables", f"{family.name} takes {takes} variable{'s' if hi > 1 else ''}, got {len(names)}")
                    variables = None
    elif family is not None:
        variables = declared = tuple(family.default_variables)

    coefficients = DEFAULT_COEFFICIENTS
    if "coefficients" in node:
        value = node["coefficients"]
        if not (isinstance(value, list) and len(value) == 2 and all(_is_int(v) for v in value)):
            err("coefficients", f"must be a range [lo, hi] of two integers, got {_shown(value)}")
        else:
            lo, hi = int(value[0]), int(value[1])
            if lo > hi:
                err("coefficients", f"bad range [{lo}, {hi}]: lo must not exceed hi")
            elif lo == hi == 0:
                err("coefficients", "bad range [0, 0]: it must contain a non-zero integer")
            elif max(abs(lo), abs(hi)) > COEFFICIENT_LIMIT:
                err("coefficients", f"bad range [{lo}, {hi}]: keep coefficients within ±{COEFFICIENT_LIMIT}")
            else:
                coefficients = (lo, hi)

    points = 1.0
    if "points" in node:
        value = node["points"]
        if not _is_number(value):
            err("points", f"must be a number, got {_type_name(value)}")
        elif not math.isfinite(value) or value > POINTS_LIMIT:
            err("points", f"must be a number up to {POINTS_LIMIT:,}, got {value}")
        elif value <= 0:
            err("points", f"must be positive, got {value}")
        else:
            points = float(value)

    ask = None
    if "ask" in node:
        value = node["ask"]
        if not isinstance(value, str) or value not in ASKS:
            err("ask", f"must be one of {', '.join(ASKS)}, got {_shown(value)}")
        elif family is not None and value not in family.asks:
            err("ask", f"{family.name} cannot ask {_shown(value)}; it supports {', '.join(family.asks)}")
        else:
            ask = str(value)
    elif family is not None:
        ask = family.asks[0]

    wrt = None
    if "wrt" in node:
        value = node["wrt"]
        if not isinstance(value, str):
            err("wrt", f"must be a variable name, got {_type_name(value)}")
        elif ask == "gradient":
            err("wrt", "not used when ask is gradient (the gradient is along every variable); remove it")
        elif declared is not None and value not in declared:
            err("wrt", f"{_shown(value)} is not among the variables ({', '.join(declared)})")
        else:
            wrt = str(value)

    point: str | dict[str, Any] | None = None
    if "point" in node:
        value = node["point"]
        if ask is not None and ask != "value":
            err("point", "only used when ask is value; remove it or set ask: value")
        elif isinstance(value, str) and value == "random":
            point = "random"
        elif isinstance(value, dict):
            coords: dict[str, Any] = {}
            for key in value:
                coordinate = _point_number(value[key])
                if declared is not None and key not in declared:
                    err("point", f"{_shown(key)} is not among the variables ({', '.join(declared)})")
                elif coordinate is None:
                    err("point", f"{key}: {_shown(value[key])} is not a number (write 2, -1, 0.5 or 1/2)")
                elif abs(coordinate) > POINT_LIMIT:
                    err("point", f"{key}: keep values within ±{POINT_LIMIT}")
                else:
                    coords[str(key)] = coordinate
            if variables is not None:
                missing = [v for v in variables if v not in value]
                if missing:
                    err("point", f"gives no value for {', '.join(missing)}; give every variable a value")
            point = {v: coords[v] for v in variables} if variables and all(v in coords for v in variables) else None
        else:
            err("point", f'must be "random" or a mapping like {{x: 1, y: 2}}, got {_shown(value)}')
    elif ask == "value":
        point = "random"

    options: dict[str, Any] = {}
    if "allow_zero" in node:
        if not isinstance(node["allow_zero"], bool):
            err("allow_zero", f"must be true or false, got {_shown(node['allow_zero'])}")
        else:
            options["allow_zero"] = bool(node["allow_zero"])
    for key, expected in sorted(options_schema.items()):
        if key not in node:
            continue
        value = node[key]
        ok = isinstance(value, expected) and not (expected is not bool and isinstance(value, bool))
        if expected is float and _is_int(value):
            ok, value = True, float(value)
        if not ok:
            err(key, f"must be {_EXPECTED.get(expected, expected.__name__)}, got {_type_name(value)}")
        else:
            options[key] = value if not isinstance(value, str) else str(value)

    if len(errors) != before or family is None or difficulty is None or ask is None:
        return None
    spec = SlotSpec(
        number=number,
        family=family.name,
        difficulty=difficulty,
        points=points,
        ask=ask,  # type: ignore[arg-type]
        variables=variables,
        coefficients=coefficients,
        wrt=wrt,
        point=_plain_point(point),
        options=options,
    )
    problem = trial_draw(spec)
    if problem:
        errors.add(line, prefix, problem)
        return None
    return spec


def _plain_point(point: Any) -> Any:
    """Fractions stay Fractions in SlotSpec.point (families turn them into sympy Rationals)."""
    if isinstance(point, dict):
        return {k: (int(v) if v.denominator == 1 else v) for k, v in point.items()}
    return point


def _validate(path: str | Path) -> tuple[list[str], Bank | None]:
    shown = str(path)
    errors = _Errors(shown)
    try:
        raw, data = _read(resolve_bank(path), shown)
    except BankError as exc:
        return [exc.message], None
    if data is None:
        return [f"{shown}: the bank is empty; it needs title and slots (see banks/demo.yaml)"], None
    if not isinstance(data, dict):
        return [f"{shown}:1: the bank must be a mapping with title, course, instructions, seed and slots"], None
    for key in data:
        if key not in TOP_KEYS:
            name = key if isinstance(key, str) else _shown(key)
            errors.add(_key_line(data, key), name, f"unknown key; allowed keys: {', '.join(TOP_KEYS)}")
    title = _check_text(errors, data, "title", required=True)
    course = _check_text(errors, data, "course", required=False)
    instructions = _check_text(errors, data, "instructions", required=False)
    seed = None
    if "seed" in data and data["seed"] is not None:
        value = data["seed"]
        if not _is_int(value) or value < 0:
            errors.add(_key_line(data, "seed"), "seed", f"must be a non-negative integer, got {_shown(value)}")
        else:
            seed = int(value)
    slots: list[SlotSpec] = []
    if "slots" not in data:
        errors.add(_node_line(data), "slots", "missing; add a list of slots (see banks/demo.yaml)")
    elif not isinstance(data["slots"], list) or not data["slots"]:
        errors.add(_key_line(data, "slots"), "slots", f"must be a non-empty list, got {_type_name(data['slots'])}")
    elif len(data["slots"]) > MAX_SLOTS:
        errors.add(_key_line(data, "slots"), "slots",
                   f"{len(data['slots']):,} slots; a sheet has at most {MAX_SLOTS} problems, so split the bank")
    else:
        for index in range(len(data["slots"])):
            spec = _check_slot(errors, data["slots"], index, index + 1)
            if spec is not None:
                slots.append(spec)
    if errors.lines:
        return errors.lines, None
    bank = Bank(
        path=shown,
        sha256=hashlib.sha256(raw).hexdigest(),
        title=title,
        course=course,
        instructions=instructions,
        seed=seed,
        slots=slots,
        text=raw.decode("utf-8"),
    )
    return [], bank


def validate_bank(path: str | Path) -> list[str]:
    """Every error in the bank as `file:line: key path: message`; [] when the bank is valid."""
    return _validate(path)[0]


def load_bank(path: str | Path) -> Bank:
    """Load a bank, or raise BankError listing every error (one per line)."""
    errors, bank = _validate(path)
    if bank is None:
        raise BankError("\n".join(errors))
    return bank
