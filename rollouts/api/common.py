"""Building blocks shared by every kind: the model base, int-or-string values, Go durations,
object metadata and the error types.

Conventions every model in ``rollouts.api`` follows (other packages rely on them):

* Python attributes are snake_case; the JSON names are upstream's camelCase (``alias_generator``),
  with explicit aliases where upstream's name is not plain camelCase (``HPAReplicas``).
* A field the user did not write stays ``None``/unset, so that loading then dumping a manifest
  gives back exactly what was written. Upstream's defaults are applied by reading through the
  resolver functions in :mod:`rollouts.api.defaults`, never by filling the model in.
* An unknown field is an error naming its path (``extra="forbid"``); object metadata and pod
  templates are the exceptions: metadata allows any field, pod templates are plain JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidatorFunctionWrapHandler,
    model_serializer,
    model_validator,
)
from pydantic.alias_generators import to_camel

#: An ``intstr.IntOrString``: 3, "3", "25%". bool is not an int here.
IntOrString = StrictInt | StrictStr

#: Free JSON kept exactly as written (pod templates, plugin configs).
JSONObject = dict[str, Any]


class ApiModel(BaseModel):
    """Base of every spec/status model."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        # No coercion: "3" is not an int and 1 is not a bool, as for the API server; a lax
        # load would also change the value's type and break exact round trips.
        strict=True,
        validate_assignment=False,
        ser_json_inf_nan="strings",
    )

    #: The keys of the mapping this model was loaded from, in the order they were written, so
    #: that dumping gives the user's key order back (byte-for-byte JSON round trips). Models
    #: built in code have none and dump in field order. Not part of equality.
    _key_order: tuple[str, ...] = PrivateAttr(default=())

    @model_validator(mode="wrap")
    @classmethod
    def _remember_key_order(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        model = handler(data)
        if isinstance(data, dict) and isinstance(model, ApiModel):
            model._key_order = tuple(data)
        return model

    @model_serializer(mode="wrap")
    def _dump_in_key_order(self, handler: SerializerFunctionWrapHandler) -> Any:
        out = handler(self)
        if not self._key_order or not isinstance(out, dict):
            return out
        rank = {key: i for i, key in enumerate(self._key_order)}
        # keys the input did not have (set in code, or written by field name) keep field order, last
        return dict(sorted(out.items(), key=lambda item: rank.get(item[0], len(rank))))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BaseModel):
            return NotImplemented
        return (
            type(self) is type(other)
            and self.__dict__ == other.__dict__
            and self.__pydantic_extra__ == other.__pydantic_extra__
        )

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with upstream's names, holding only the fields that were set."""
        return self.model_dump(by_alias=True, exclude_unset=True, mode="json")


class ObjectMeta(ApiModel):
    """``metadata``: the fields the controller reads are typed; anything else is kept as is."""

    model_config = ConfigDict(extra="allow")

    name: str | None = None
    generate_name: str | None = None
    namespace: str | None = None
    uid: str | None = None
    resource_version: str | None = None
    generation: int | None = None
    creation_timestamp: str | None = None
    deletion_timestamp: str | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
    owner_references: list[JSONObject] | None = None
    finalizers: list[str] | None = None


class LabelSelectorRequirement(ApiModel):
    """One ``matchExpressions`` entry: ``key`` ``operator`` (In, NotIn, Exists, DoesNotExist) ``values``."""

    key: str | None = None
    operator: str | None = None
    values: list[str] | None = None


class LabelSelector(ApiModel):
    """A ``metav1.LabelSelector``. Shared by Rollout and Experiment templates."""

    match_labels: dict[str, str] | None = None
    match_expressions: list[LabelSelectorRequirement] | None = None

    def is_empty(self) -> bool:
        """True when it selects everything (no labels, no expressions)."""
        return not self.match_labels and not self.match_expressions

    def matches(self, labels: dict[str, str]) -> bool:
        """Whether a label set is selected (Kubernetes semantics; an empty selector selects all)."""
        for key, value in (self.match_labels or {}).items():
            if labels.get(key) != value:
                return False
        for req in self.match_expressions or []:
            key, op, values = req.key or "", req.operator, req.values or []
            present = key in labels
            if op == "In" and not (present and labels[key] in values):
                return False
            if op == "NotIn" and present and labels[key] in values:
                return False
            if op == "Exists" and not present:
                return False
            if op == "DoesNotExist" and present:
                return False
            if op not in {"In", "NotIn", "Exists", "DoesNotExist"}:
                return False
        return True


def pod_template_labels(template: JSONObject | None) -> dict[str, str]:
    """``metadata.labels`` of a pod template kept as plain JSON (empty when absent or malformed)."""
    meta = (template or {}).get("metadata")
    labels = meta.get("labels") if isinstance(meta, dict) else None
    if not isinstance(labels, dict):
        return {}
    return {str(k): str(v) for k, v in labels.items()}


class KubeObject(ApiModel):
    """A top-level object: apiVersion, kind, metadata. Subclasses add spec (and status)."""

    API_VERSION: ClassVar[str] = "argoproj.io/v1alpha1"
    KIND: ClassVar[str] = ""

    api_version: str | None = None
    kind: str | None = None
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        """Load a manifest; raise :class:`ManifestError` naming each offending path."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ManifestError.from_pydantic(exc) from None

    @property
    def name(self) -> str:
        return self.metadata.name or ""

    @property
    def namespace(self) -> str:
        return self.metadata.namespace or ""


# ---------------------------------------------------------------------------------------------
# errors


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with a manifest: a JSON path (``spec.strategy.canary.steps[0]``) and a message."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ManifestError(ValueError):
    """A manifest that does not load (wrong types, unknown fields) or does not validate."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))

    @classmethod
    def from_pydantic(cls, exc: ValidationError) -> ManifestError:
        errors = []
        for err in exc.errors():
            loc = [p for p in err["loc"] if not _is_union_tag(p)]
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown field"
            errors.append(FieldError(json_path(loc), msg))
        return cls(errors)


def _is_union_tag(part: Any) -> bool:
    # pydantic puts the union member's type name into the location (e.g. "int", "str").
    return isinstance(part, str) and part in {"int", "str", "bool", "float", "function-after[...]"}


def json_path(parts: list[Any] | tuple[Any, ...]) -> str:
    """``["spec", "steps", 0, "pause"]`` -> ``spec.steps[0].pause``."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out


# ---------------------------------------------------------------------------------------------
# durations: Go's time.ParseDuration syntax, as upstream's DurationString fields use it

_UNIT_SECONDS = {
    "ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0,
}
_DURATION_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")


def parse_go_duration(text: str) -> float:
    """Seconds in a Go duration string ("30s", "5m", "1h30m", "1.5h", "300ms", "-2s", "0").

    Raises ValueError with Go's wording for anything else.
    """
    s = text
    sign = 1.0
    if s[:1] in "+-":
        sign = -1.0 if s[0] == "-" else 1.0
        s = s[1:]
    if s == "0":
        return 0.0
    if not s:
        raise ValueError(f'time: invalid duration "{text}"')
    pos, total = 0, 0.0
    while pos < len(s):
        m = _DURATION_PART.match(s, pos)
        if m is None:
            if re.match(r"(\d+\.?\d*|\.\d+)$", s[pos:]):
                raise ValueError(f'time: missing unit in duration "{text}"')
            raise ValueError(f'time: invalid duration "{text}"')
        total += float(m.group(1)) * _UNIT_SECONDS[m.group(2)]
        pos = m.end()
    return sign * total


def duration_seconds(value: int | str) -> float:
    """An IntOrString duration (pause ``duration``): an int or digit string is seconds, else Go syntax."""
    if isinstance(value, int):
        return float(value)
    if re.fullmatch(r"[+-]?\d+", value):
        return float(int(value))
    return parse_go_duration(value)


# ---------------------------------------------------------------------------------------------
# int-or-percent


def int_or_percent(value: int | str, total: int, *, round_up: bool) -> int:
    """Resolve ``3`` / ``"25%"`` / ``"25"`` against ``total``.

    A string is a percentage with or without the ``%`` sign (upstream writes its defaults as
    ``"25"`` and reads them as 25%). Raises ValueError for anything else.
    """
    if isinstance(value, int):
        return value
    text = value[:-1] if value.endswith("%") else value
    if not re.fullmatch(r"\d+", text):
        raise ValueError(f"invalid value for IntOrString: invalid value {value!r}")
    scaled = int(text) * total  # integer arithmetic: no float rounding at exact boundaries
    return -(-scaled // 100) if round_up else scaled // 100


NonNegativeInt = Annotated[int, Field(ge=0)]
