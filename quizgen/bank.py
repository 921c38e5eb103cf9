"""Load and validate a YAML bank, reporting every problem at once as `file:line: key path: message`.

A bank is a title, a course line, instructions, an optional seed and a list of slots; each slot becomes one
problem on every sheet. ruamel.yaml keeps the line of every key, so each error names where to look; nothing
invalid reaches generation. Slots are numbered from 1, like the problems on a sheet (slots[1] is the first).

What each key may hold is declared in quizgen.bank_schema (and each family's options); this module reads
the file within safe bounds, puts each (key, message) problem the declarations find at its line and key
path, and makes one trial draw per valid slot.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import ComposerError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent
from ruamel.yaml.parser import RoundTripParser
from ruamel.yaml.reader import ReaderError

from quizgen.bank_schema import CheckedSlot, check_bank_keys, check_slot_keys
from quizgen.draw import trial_draw
from quizgen.errors import BankError
from quizgen.families.base import SlotSpec
from quizgen.families.options import shown_value, type_name
from quizgen.resources import missing_bank_hint, resolve_bank

MAX_BANK_BYTES = 5_000_000
MAX_DEPTH = 20
"""Deepest nesting of lists and mappings; a bank needs 4 (slots, slot, point, value)."""
MAX_VALUES = 10_000
"""Most values a bank may hold once YAML aliases are expanded (a "billion laughs" bank expands to 10^9)."""
MAX_DIGITS = 30
"""Longest number a bank may write; the limit is on the text, before YAML turns it into an integer."""


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
        raise BankError(
            f"{shown}: the bank is {len(raw):,} bytes, more than a bank needs "
            f"(the limit is {MAX_BANK_BYTES:,}); check it is the right file"
        )
    try:
        data = _load(text, shown)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise BankError(f"{shown}{where}: YAML syntax error: {problem}; fix the YAML") from None
    except ReaderError as exc:  # a character YAML does not allow (NUL, other control characters)
        line = text[: exc.position].count("\n") + 1 if isinstance(exc.position, int) else 0
        where = f"{shown}:{line}" if line else shown
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        raise BankError(f"{where}: the control character U+{code:04X} is not allowed in YAML; remove it") from None
    except YAMLError as exc:
        raise BankError(f"{shown}: YAML syntax error: {str(exc).splitlines()[0]}; fix the YAML") from None
    except (RecursionError, ValueError, OverflowError) as exc:  # within the shape's bounds, a YAML library edge case
        raise BankError(f"{shown}: the bank cannot be read ({type(exc).__name__}); simplify the YAML") from None
    return raw, data


_NUMBER = re.compile(r"[-+]?(?:0[xob])?[0-9_]+(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?")
_DEEP_BRACKETS = re.compile(r"[\[{](?:\s*[\[{]){%d}" % MAX_DEPTH)  # noqa: UP031 - a regex's braces
"""More than MAX_DEPTH brackets opened in a row: YAML's scanner would read them all before the first event."""
_TOO_DEEP = (
    f"lists and mappings nested more than {MAX_DEPTH} deep; a bank needs 4 levels, so check the brackets "
    "and indentation"
)


@dataclass
class _Shape:
    """Running counts over a bank's YAML event stream (_ShapeCheckingParser): the nesting depth, the values seen
    so far with aliases expanded, and how many values each anchor stands for."""

    depth: int = 0
    total: int = 0
    sizes: dict[str, int] = field(default_factory=dict)  # anchor -> values it stands for, aliases inside expanded
    open_anchors: list[tuple[str, int]] = field(default_factory=list)  # (anchor, total when its collection started)

    def problem(self, event: Any) -> str:
        """Count one event; the message if the bank is now too large, too deep or has too long a number."""
        if isinstance(event, AliasEvent):
            self.total += self.sizes.get(str(event.anchor), 1)
        elif isinstance(event, (ScalarEvent, CollectionStartEvent)):
            self.total += 1
        if self.total > MAX_VALUES:
            return (
                f"the bank holds more than {MAX_VALUES:,} values, counting what YAML aliases (*name) repeat; "
                "a bank needs far fewer, so look for nested aliases"
            )
        if isinstance(event, ScalarEvent):
            return self._scalar(event)
        if isinstance(event, CollectionStartEvent):
            return self._start(event)
        if isinstance(event, CollectionEndEvent):
            self._end()
        return ""

    def _scalar(self, event: ScalarEvent) -> str:
        if event.anchor is not None:
            self.sizes[str(event.anchor)] = 1
        value = event.value
        if event.style is None and len(value) > MAX_DIGITS and _NUMBER.fullmatch(value):
            return f"a number {len(value):,} characters long; numbers in a bank have at most {MAX_DIGITS} digits"
        return ""

    def _start(self, event: CollectionStartEvent) -> str:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            return _TOO_DEEP
        self.open_anchors.append((str(event.anchor) if event.anchor is not None else "", self.total - 1))
        return ""

    def _end(self) -> None:
        self.depth -= 1
        anchor, start = self.open_anchors.pop()
        if anchor:
            self.sizes[anchor] = self.total - start


class _ShapeProblem(Exception):
    """A bank _Shape refuses, at a line of the file (_load makes it a BankError)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _ShapeCheckingParser(RoundTripParser):
    """ruamel's round-trip parser, with every event counted (_Shape) as the composer takes it.

    The bank is read once, and its shape is checked before anything is built: the composer asks for a
    collection's start event before it recurses into it, so it never nests past MAX_DEPTH, and the
    constructor (aliases expanded, numbers turned into integers) runs only once the whole document has
    been composed, so it never sees a bank with too many values or too long a number."""

    def reset_parser(self) -> None:
        super().reset_parser()
        self.shape = _Shape()

    def get_event(self) -> Any:
        event = super().get_event()
        problem = self.shape.problem(event)
        if problem:
            raise _ShapeProblem(event.start_mark.line + 1, problem)
        return event


def _yaml() -> YAML:
    """A round-trip reader (it keeps each key's line) whose parser checks the shape of what it reads."""
    yaml = YAML(typ="rt")
    yaml.Parser = _ShapeCheckingParser
    return yaml


def _load(text: str, shown: str) -> Any:
    """The bank's data, read in one pass that refuses, with its line and before anything is built, what
    would exhaust time or memory: nesting past MAX_DEPTH (the YAML composer recurses), aliases that expand
    past MAX_VALUES values, and numbers longer than MAX_DIGITS digits. Linear in the file.

    Raises:
        BankError: the bank's shape is refused.
        YAMLError: the YAML itself is wrong (the caller words it).
    """
    deep = _DEEP_BRACKETS.search(text)
    if deep:
        raise BankError(f"{shown}:{text.count(chr(10), 0, deep.start()) + 1}: {_TOO_DEEP}")
    try:
        return _load_checked(text)
    except _ShapeProblem as exc:
        raise BankError(f"{shown}:{exc.line}: {exc.message}") from None


def _load_checked(text: str) -> Any:
    """yaml.load with the shape checked on the way (raises _ShapeProblem)."""
    try:
        return _yaml().load(text)
    except ComposerError:
        # An undefined alias or a second document stops the composer before the end of the stream. The
        # shape is the first thing checked, so a refused shape further on is still the error reported.
        for _event in _yaml().parse(text):
            pass
        raise


def _report(errors: _Errors, node: Any, line: int | None, prefix: str, problems: list[tuple[Any, str]]) -> bool:
    """Report (key, message) problems of a mapping at the key's line (the mapping's line for key None or a
    missing key), under the key path prefix.key; True if there were any."""
    for key, message in problems:
        if key is None:
            errors.add(line, prefix, message)
        else:
            where = _key_line(node, key) if key in node else (_node_line(node) or line)
            name = key if isinstance(key, str) else shown_value(key)
            errors.add(where, f"{prefix}.{name}" if prefix else name, message)
    return bool(problems)


def _slot_spec(number: int, checked: CheckedSlot) -> SlotSpec:
    values = checked.values
    return SlotSpec(
        number=number,
        family=values["family"],
        difficulty=values["difficulty"],
        points=values["points"],
        ask=values["ask"],
        variables=values["variables"],
        coefficients=values["coefficients"],
        wrt=values["wrt"],
        point=values["point"],
        options=checked.options,
        working=values.get("working"),
    )


def _check_slot(errors: _Errors, slots: Any, index: int, number: int) -> SlotSpec | None:
    """Check one slot against the declared schema (quizgen.bank_schema), then the family's own rules,
    then make one trial problem; every problem is reported with its line and key path."""
    node = slots[index]
    prefix = f"slots[{number}]"
    line = _item_line(slots, index)
    if not isinstance(node, dict):
        errors.add(line, prefix, f"must be a mapping with family, difficulty, ...; got {type_name(node)}")
        return None
    checked = check_slot_keys(node)
    family = checked.family
    if _report(errors, node, line, prefix, checked.problems) or family is None:
        return None
    spec = _slot_spec(number, checked)
    if _report(errors, node, line, prefix, family.check_slot(spec)):
        return None
    problem = trial_draw(spec)
    if problem:
        errors.add(line, prefix, problem)
        return None
    return spec


def _check_slots(errors: _Errors, slots: Any) -> list[SlotSpec]:
    """Every slot checked (all of them, so each error is reported); the valid ones as SlotSpecs."""
    specs = (_check_slot(errors, slots, index, index + 1) for index in range(len(slots)))
    return [spec for spec in specs if spec is not None]


def check_bank(path: str | Path) -> tuple[list[str], Bank | None]:
    """Every error in the bank as `file:line: key path: message`, and the Bank when there is none: for a
    caller that reports the errors and then uses the bank (`quizgen bank check`), in one reading."""
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
    problems, values = check_bank_keys(data)
    _report(errors, data, _node_line(data), "", problems)
    slots = _check_slots(errors, values["slots"] or [])
    if errors.lines:
        return errors.lines, None
    bank = Bank(
        path=shown,
        sha256=hashlib.sha256(raw).hexdigest(),
        title=values["title"],
        course=values["course"],
        instructions=values["instructions"],
        seed=values["seed"],
        slots=slots,
        text=raw.decode("utf-8"),
    )
    return [], bank


def validate_bank(path: str | Path) -> list[str]:
    """Every error in the bank as `file:line: key path: message`; [] when the bank is valid."""
    return check_bank(path)[0]


def load_bank(path: str | Path) -> Bank:
    """Load a bank, or raise BankError listing every error (one per line)."""
    errors, bank = check_bank(path)
    if bank is None:
        raise BankError("\n".join(errors))
    return bank
