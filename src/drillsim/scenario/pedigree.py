"""Parameters with pedigree: a number plus where it came from and how far to trust it.

In a scenario file any numeric parameter may be written as a plain number (``strength: 120``) or as a
mapping ``{value: 120, source: "TASS, 14 May 2015", confidence: medium}``. Both load to a :class:`Param`,
a ``float`` that also carries ``source`` and ``confidence``, so model code computes with it as a number
while reports can still list where each input came from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from drillsim.core.errors import clip

Confidence = Literal["low", "medium", "high"]
CONFIDENCE_LEVELS: tuple[str, ...] = get_args(Confidence)


class Param(float):
    """A numeric parameter with optional ``source`` and ``confidence``."""

    __slots__ = ("confidence", "source")
    source: str | None
    confidence: Confidence | None

    def __new__(cls, value: float, source: str | None = None, confidence: Confidence | None = None) -> Param:
        self = super().__new__(cls, value)
        self.source = source
        self.confidence = confidence
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Param, (float(self), self.source, self.confidence))

    @property
    def has_pedigree(self) -> bool:
        return self.source is not None or self.confidence is not None

    def __repr__(self) -> str:
        if not self.has_pedigree:
            return f"Param({float(self)!r})"
        return f"Param({float(self)!r}, source={self.source!r}, confidence={self.confidence!r})"

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _to_param,
            serialization=core_schema.plain_serializer_function_ser_schema(_param_to_data),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return _param_json_schema({})


def _param_json_schema(number: dict[str, Any]) -> dict[str, Any]:
    plain = {"type": "number", **number}
    return {
        "anyOf": [
            plain,
            {
                "type": "object",
                "description": "A number with its pedigree.",
                "properties": {
                    "value": plain,
                    "source": {"type": "string", "description": "Where the value comes from."},
                    "confidence": {"enum": list(CONFIDENCE_LEVELS)},
                },
                "required": ["value"],
                "additionalProperties": False,
            },
        ]
    }


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f"the text '{clip(value)}'"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError(
            "param_type",
            "not a number",
            {
                "expected": "a number, or {value: N, source: TEXT, confidence: low|medium|high}",
                "found": _describe(value),
            },
        )
    try:
        number = float(value)
    except OverflowError:
        raise PydanticCustomError(
            "param_type",
            "number too large",
            {"expected": "a finite number", "found": f"an integer of {len(str(abs(value))):,} digits"},
        ) from None
    if not math.isfinite(number):
        raise PydanticCustomError(
            "param_type", "not a finite number", {"expected": "a finite number", "found": repr(value)}
        )
    return number


def _to_param(value: Any) -> Param:
    if isinstance(value, Param):
        return value
    if isinstance(value, dict):
        unknown = sorted(set(value) - {"value", "source", "confidence"})
        if unknown:
            raise PydanticCustomError(
                "param_key",
                "unknown key '{key}' in a parameter with pedigree",
                {
                    "key": unknown[0],
                    "expected": "only the keys value, source and confidence",
                    "found": f"'{unknown[0]}'",
                },
            )
        if "value" not in value:
            raise PydanticCustomError(
                "param_key",
                "a parameter with pedigree needs a 'value'",
                {"expected": "{value: N, source: TEXT, confidence: low|medium|high}", "found": "no value"},
            )
        source = value.get("source")
        if source is not None and not isinstance(source, str):
            raise PydanticCustomError(
                "param_source", "a source must be text", {"expected": "text", "found": _describe(source)}
            )
        confidence = value.get("confidence")
        if confidence is not None and confidence not in CONFIDENCE_LEVELS:
            raise PydanticCustomError(
                "param_confidence",
                "unknown confidence level",
                {"expected": "one of low, medium, high", "found": _describe(confidence)},
            )
        return Param(_number(value["value"]), source, confidence)
    return Param(_number(value))


def _plain(value: float) -> int | float:
    """Whole numbers serialise as integers, so a head count reads back as it was written."""
    return int(value) if value.is_integer() and abs(value) < 2**53 else float(value)


def _param_to_data(value: Param) -> int | float | dict[str, Any]:
    if not value.has_pedigree:
        return _plain(value)
    out: dict[str, Any] = {"value": _plain(value)}
    if value.source is not None:
        out["source"] = value.source
    if value.confidence is not None:
        out["confidence"] = value.confidence
    return out


@dataclass(frozen=True)
class Bounds:
    """Allowed range of a :class:`Param`; used as ``Annotated[Param, Bounds(ge=0, le=1)]``."""

    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    integer: bool = False

    def describe(self) -> str:
        kind = "a whole number" if self.integer else "a number"
        parts = []
        if self.ge is not None:
            parts.append(f">= {_show(self.ge)}")
        if self.gt is not None:
            parts.append(f"> {_show(self.gt)}")
        if self.le is not None:
            parts.append(f"<= {_show(self.le)}")
        return kind + (" " + " and ".join(parts) if parts else "")

    def check(self, value: Param) -> Param:
        bad = (
            (self.ge is not None and value < self.ge)
            or (self.gt is not None and value <= self.gt)
            or (self.le is not None and value > self.le)
            or (self.integer and not float(value).is_integer())
        )
        if bad:
            raise PydanticCustomError(
                "param_range",
                "value out of range",
                {"expected": self.describe(), "found": _show(float(value))},
            )
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        number: dict[str, Any] = {"type": "integer"} if self.integer else {}
        if self.ge is not None:
            number["minimum"] = self.ge
        if self.gt is not None:
            number["exclusiveMinimum"] = self.gt
        if self.le is not None:
            number["maximum"] = self.le
        return _param_json_schema(number)


def _show(number: float) -> str:
    """A bound or a value for messages: whole numbers with thousands separators, others as ``%g``."""
    if float(number).is_integer() and abs(number) < 1e15:
        return f"{int(number):,}"
    return f"{number:g}"


# Physical bounds. Generous on purpose: they catch typing slips (an extra zero run, a value in the wrong
# unit is not their business) and numbers no model can compute with, never an unusual but real scenario.
MAX_DURATION_S = 366 * 86_400
"""Longest duration, delay or deadline: a year and a day, in seconds."""
MAX_DISTANCE_M = 20_000_000
"""Longest distance or range: about half the Earth's circumference, in metres."""
MAX_ALTITUDE_M = 100_000
"""Highest flight altitude: the edge of space, in metres."""
MAX_SPEED_MPS = 10_000
"""Fastest speed of anything (a ballistic missile's re-entry is about 7,000 m/s)."""
MAX_COUNT = 100_000
"""Most elements in a unit group, people per element or unit type, vehicles, weapons or sensors carried,
rounds per fire mission and sorties."""
MAX_STOCK = 1_000_000_000
"""Most ammunition carried or fire missions allowed."""
MAX_FACTOR = 1_000
"""Largest multiplier (signature, night factor, speed factor)."""
MAX_RATE_PER_MIN = 100_000
"""Most engagements or rounds per minute."""
MAX_RATE_PER_S = 1_000
"""Largest detection hazard per second."""
MAX_FUEL_L = 1_000_000_000
"""Most fuel carried, or burnt per kilometre or per hour, in litres."""

Probability = Annotated[Param, Bounds(ge=0, le=1)]
"""A probability or fraction in [0, 1]."""
Duration = Annotated[Param, Bounds(ge=0, le=MAX_DURATION_S)]
"""A time span, delay or deadline in seconds."""
PositiveDuration = Annotated[Param, Bounds(gt=0, le=MAX_DURATION_S)]
Distance = Annotated[Param, Bounds(ge=0, le=MAX_DISTANCE_M)]
"""A distance, range or radius in metres."""
PositiveDistance = Annotated[Param, Bounds(gt=0, le=MAX_DISTANCE_M)]
Altitude = Annotated[Param, Bounds(gt=0, le=MAX_ALTITUDE_M)]
Speed = Annotated[Param, Bounds(ge=0, le=MAX_SPEED_MPS)]
"""A speed in metres per second."""
PositiveSpeed = Annotated[Param, Bounds(gt=0, le=MAX_SPEED_MPS)]
Count = Annotated[Param, Bounds(ge=0, le=MAX_COUNT, integer=True)]
"""A head count or number of items: a whole number >= 0."""
Stock = Annotated[Param, Bounds(ge=0, le=MAX_STOCK, integer=True)]
"""Rounds of ammunition or fire missions: a whole number >= 0."""
Factor = Annotated[Param, Bounds(ge=0, le=MAX_FACTOR)]
"""A multiplier applied to a rate (1 = no change)."""
RatePerMin = Annotated[Param, Bounds(gt=0, le=MAX_RATE_PER_MIN)]
RatePerS = Annotated[Param, Bounds(gt=0, le=MAX_RATE_PER_S)]
Fuel = Annotated[Param, Bounds(ge=0, le=MAX_FUEL_L)]
Angle = Annotated[Param, Bounds(ge=0, le=90)]
"""An angle from the horizontal in degrees."""
Mils = Annotated[Param, Bounds(gt=0, le=1000)]
"""A small angle in mils (1 mil subtends 1 m at 1,000 m)."""


@dataclass(frozen=True)
class ParameterRecord:
    """One numeric parameter of a loaded scenario, with where it sits and where it came from.

    ``default`` is true when no file wrote the number: the field was left at the model's default. It does
    not take part in comparisons (a merged dump writes every default out, and reads back equal).
    """

    path: str
    value: float
    source: str | None
    confidence: Confidence | None
    default: bool = field(default=False, compare=False)


SOURCED_CONFIDENCE: tuple[str, ...] = ("medium", "high")
"""Confidence levels at which a number with a source counts as sourced (see :func:`is_sourced`)."""


def is_sourced(param: Param | ParameterRecord) -> bool:
    """Whether a number is *sourced*: it names a source (non-blank text) and its confidence is medium or high.

    This is drillsim's one definition: ``validate``, the after-action report's pedigree table, the pedigree
    flags of the sensitivity analysis and the study's sourced-influence coverage all call it. Every other
    number is weak: *weakly sourced* when it has a pedigree the author trusts only at low or unstated
    confidence (an estimate with a citation is still an estimate, and a stated assumption is one), or
    *without pedigree* when it is a bare number (:func:`count_pedigree` counts the classes).
    """
    source = param.source
    return bool(source and source.strip()) and param.confidence in SOURCED_CONFIDENCE


ASSUMPTION_SOURCE = "drillsim-assumption"
"""The source key of a stated assumption: the file says plainly that no source gives the figure (the
catalogues define it; see docs/mechanics/ for each assumption)."""


def assumed(value: float) -> Param:
    """A model default that no source gives: a stated assumption (:data:`ASSUMPTION_SOURCE`, confidence
    low). Model definitions use it so that a number a scenario leaves at its default still says what it is
    (docs/mechanics/ states each assumption)."""
    return Param(value, ASSUMPTION_SOURCE, "low")


def is_stated_assumption(param: Param | ParameterRecord) -> bool:
    """Whether a number cites :data:`ASSUMPTION_SOURCE`: a weakly sourced number that says it is assumed."""
    return param.source is not None and param.source.strip() == ASSUMPTION_SOURCE


def has_pedigree(param: Param | ParameterRecord) -> bool:
    """Whether a number gives a source (non-blank text) or a confidence: anything but a bare number."""
    return bool(param.source and param.source.strip()) or param.confidence is not None


@dataclass(frozen=True)
class PedigreeCounts:
    """How many of a scenario's numbers fall in each pedigree class (:func:`count_pedigree`).

    The three classes add up to ``total``: *sourced* (:func:`is_sourced`), *weakly sourced* (a pedigree,
    but not sourced; ``assumptions`` of them are stated assumptions) and *without pedigree* (a bare number;
    ``defaults`` of them are model defaults that no file wrote).
    """

    total: int
    sourced: int
    weak: int
    assumptions: int
    bare: int
    defaults: int

    def line(self) -> str:
        """The one-line summary ``validate`` prints."""
        text = (
            f"{self.sourced:,} sourced, {self.weak:,} weakly sourced ({self.assumptions:,} stated "
            f"assumptions), {self.bare:,} without pedigree"
        )
        if self.defaults:
            text += f" ({self.defaults:,} of them model defaults)"
        return text


def count_pedigree(records: list[ParameterRecord]) -> PedigreeCounts:
    """Count a scenario's numbers (:meth:`Scenario.parameters`) by pedigree class."""
    sourced = sum(1 for r in records if is_sourced(r))
    bare = [r for r in records if not has_pedigree(r)]
    return PedigreeCounts(
        total=len(records),
        sourced=sourced,
        weak=len(records) - sourced - len(bare),
        assumptions=sum(1 for r in records if is_stated_assumption(r) and not is_sourced(r)),
        bare=len(bare),
        defaults=sum(1 for r in bare if r.default),
    )


def iter_parameters(obj: Any, path: str = "") -> list[ParameterRecord]:
    """Every :class:`Param` inside a tree of pydantic models, dicts and lists, in field order."""
    out: list[ParameterRecord] = []

    def visit(node: Any, where: str, default: bool = False) -> None:
        if isinstance(node, Param):
            out.append(ParameterRecord(where, float(node), node.source, node.confidence, default))
        elif isinstance(node, BaseModel):
            written = node.model_fields_set
            for name in type(node).model_fields:
                visit(getattr(node, name), f"{where}.{name}" if where else name, name not in written)
        elif isinstance(node, dict):
            for key, value in node.items():
                visit(value, f"{where}.{key}" if where else str(key), default)
        elif isinstance(node, list | tuple):
            for i, value in enumerate(node):
                visit(value, f"{where}[{i}]", default)

    visit(obj, path)
    return out
