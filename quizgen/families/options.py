"""Declared bank options: each slot key is an Option object saying its kind, range or choices, default and help.

Shaped like mkdocs' config options (config_options.py): a family lists its own keys in Family.options, and
quizgen.bank_schema declares the common slot keys (family, difficulty, ...) with the same classes. The bank
loader checks every key against its declaration when the bank is loaded, so draw() only sees valid slots,
and `quizgen bank schema` and docs/bank-schema.md are printed from the same objects.

An option's check returns the value to keep or raises ValidationError with one message per problem; the
loader adds the file, line and key path (`bank.yaml:12: slots[3].loss: ...`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from quizgen.families.base import Family


class ValidationError(Exception):
    """One or more problems with one key's value, each a message without location (the loader adds it)."""

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


@dataclass
class SlotContext:
    """What a key's check may read: the slot's family and the values of the keys checked before it.

    values holds each checked key's value (its default when the key is absent, None when it was invalid);
    declared is the variable names as written, kept even when their count is wrong, so wrt and point can
    still be checked against them.
    """

    family: Family | None = None
    values: dict[str, Any] = field(default_factory=dict)
    declared: tuple[str, ...] | None = None


_EXPECTED = {
    list: "a list",
    int: "an integer",
    str: "text",
    bool: "true or false",
    float: "a number",
    dict: "a mapping",
}
_TYPE_NAMES: tuple[tuple[type, str], ...] = (
    (bool, "a boolean"),
    (int, "an integer"),
    (float, "a number"),
    (str, "text"),
    (dict, "a mapping"),
    (list, "a list"),
)


def type_name(value: Any) -> str:
    """How a message names the type of a value the bank gave ("text", "a list", "nothing", ...)."""
    if value is None:
        return "nothing"
    return next((name for kind, name in _TYPE_NAMES if isinstance(value, kind)), type(value).__name__)


def shown_value(value: Any, depth: int = 0) -> str:
    """A bank value as it appears in a message, cut short: aliases can make a value very large."""
    if isinstance(value, dict):
        items = [f"{shown_value(k, depth + 1)}: {shown_value(v, depth + 1)}" for k, v in list(value.items())[:4]]
        text = "{" + ", ".join(items) + (", ..." if len(value) > 4 else "") + "}"
    elif isinstance(value, list):
        items = [shown_value(v, depth + 1) for v in value[:6]] if depth < 3 else ["..."]
        text = "[" + ", ".join(items) + (", ..." if len(value) > 6 else "") + "]"
    else:
        text = repr(value if not isinstance(value, str) else str(value))
    return text if len(text) <= 80 else text[:77] + "..."


def is_int(value: Any) -> bool:
    """An integer that is not a boolean (YAML `true` is a bool, and bool is an int in Python)."""
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Option:
    """One slot key. default is the value used when the key is absent (a callable reads the context, e.g. a
    family's lowest level); default_text says it in words for the docs when it is not a plain value."""

    default: Any = None
    help: str = ""
    default_text: str = ""

    def missing(self, ctx: SlotContext) -> Any:
        """The value of an absent key: its default (raise ValidationError to make the key required)."""
        return self.default(ctx) if callable(self.default) else self.default

    def validate(self, value: Any, ctx: SlotContext) -> Any:
        """The value to keep; raise ValidationError when it is wrong."""
        return value

    def kind(self) -> str:
        """The kind of value, with its range or choices, in a few words for `bank schema` and the docs."""
        return "any value"

    def describe_default(self) -> str:
        """The default in words, '' when the key has none."""
        if self.default_text:
            return self.default_text
        if self.default is None or callable(self.default):
            return ""
        return _plain(self.default)


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    return str(value)


@dataclass(frozen=True)
class Type(Option):
    """A value of one Python type (int, float, str, bool, list, dict); an integer is accepted as a float.
    A plain type in Family.options (the form before declared options) means Type(that type)."""

    type: type = str

    def validate(self, value: Any, ctx: SlotContext) -> Any:
        if self.type is float and is_int(value):
            return float(value)
        if not isinstance(value, self.type) or (self.type is not bool and isinstance(value, bool)):
            raise ValidationError(f"must be {_EXPECTED.get(self.type, self.type.__name__)}, got {type_name(value)}")
        return str(value) if isinstance(value, str) else value

    def kind(self) -> str:
        return _EXPECTED.get(self.type, self.type.__name__).removeprefix("a ").removeprefix("an ")


@dataclass(frozen=True)
class Boolean(Option):
    """true or false."""

    def validate(self, value: Any, ctx: SlotContext) -> Any:
        if not isinstance(value, bool):
            raise ValidationError(f"must be true or false, got {shown_value(value)}")
        return bool(value)

    def kind(self) -> str:
        return "true or false"


@dataclass(frozen=True)
class Integer(Option):
    """An integer within [minimum, maximum] (either bound may be None)."""

    minimum: int | None = None
    maximum: int | None = None

    def validate(self, value: Any, ctx: SlotContext) -> Any:
        if not is_int(value):
            raise ValidationError(f"must be an integer, got {type_name(value)}")
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            raise ValidationError(f"must be an {self.kind()}, got {int(value)}")
        return int(value)

    def kind(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"integer from {self.minimum} to {self.maximum}"
        if self.minimum is not None:
            return f"integer of at least {self.minimum}"
        if self.maximum is not None:
            return f"integer of at most {self.maximum}"
        return "integer"


@dataclass(frozen=True)
class Choice(Option):
    """One of a fixed list of names."""

    choices: Sequence[str] = ()

    def validate(self, value: Any, ctx: SlotContext) -> Any:
        if not isinstance(value, str) or value not in self.choices:
            raise ValidationError(f"must be one of {', '.join(self.choices)}, got {shown_value(value)}")
        return str(value)

    def kind(self) -> str:
        return f"one of {', '.join(self.choices)}"


@dataclass(frozen=True)
class SubsetOf(Option):
    """A list of names, each one of choices (an empty list means the default)."""

    choices: Sequence[str] = ()

    def validate(self, value: Any, ctx: SlotContext) -> Any:
        if not isinstance(value, list):
            raise ValidationError(f"must be a list, got {type_name(value)}")
        unknown = [
            shown_value(item).strip("'") for item in value if not isinstance(item, str) or item not in self.choices
        ]
        if unknown:
            raise ValidationError(f"{', '.join(unknown)} is not one of {', '.join(self.choices)}")
        return [str(item) for item in value]

    def kind(self) -> str:
        return f"list of: {', '.join(self.choices)}"


OptionDeclaration = Option | type
"""What Family.options maps a key to: an Option, or a plain type (read as Type(that type))."""


def as_option(declared: OptionDeclaration) -> Option:
    """The Option for a family's declaration (plain types from families written before options existed)."""
    return declared if isinstance(declared, Option) else Type(type=declared)
