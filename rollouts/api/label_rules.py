"""Kubernetes' label key and value rules, worded as apimachinery words them.

Upstream validates a Rollout's selector and pod-template labels with apimachinery's
``IsQualifiedName``/``IsValidLabelValue``; the messages below are that library's, including its
``(e.g. 'a',  or 'b', …)`` example list (the double space is theirs), so that an InvalidSpec
condition reads the same as upstream's.
"""

from __future__ import annotations

import re

from rollouts.api.common import FieldError
from rollouts.api.go_field_errors import invalid

_QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QUALIFIED_NAME_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
_LABEL_VALUE_FMT = f"({_QUALIFIED_NAME_FMT})?"
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT = f"{_DNS1123_LABEL_FMT}(\\.{_DNS1123_LABEL_FMT})*"
_DNS1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character"
)
#: Longest label name part and label value.
_MAX_NAME = 63
_MAX_PREFIX = 253


def regex_error(message: str, fmt: str, *examples: str) -> str:
    """apimachinery's RegexError wording."""
    if not examples:
        return f"{message} (regex used for validation is '{fmt}')"
    listed = " or ".join(f"'{e}', " for e in examples)
    return f"{message} (e.g. {listed}regex used for validation is '{fmt}')"


def qualified_name_errors(value: str) -> list[str]:
    """Problems with a label key (``[prefix/]name``); empty when valid."""
    parts = value.split("/")
    errors: list[str] = []
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            if len(prefix) > _MAX_PREFIX:
                errors.append(f"prefix part must be no more than {_MAX_PREFIX} characters")
            if not re.fullmatch(_DNS1123_SUBDOMAIN_FMT, prefix):
                errors.append(
                    "prefix part "
                    + regex_error(_DNS1123_SUBDOMAIN_MSG, _DNS1123_SUBDOMAIN_FMT, "example.com")
                )
    else:
        return [
            "a qualified name "
            + regex_error(_QUALIFIED_NAME_MSG, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > _MAX_NAME:
        errors.append(f"name part must be no more than {_MAX_NAME} characters")
    if not re.fullmatch(_QUALIFIED_NAME_FMT, name):
        errors.append(
            "name part "
            + regex_error(_QUALIFIED_NAME_MSG, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
        )
    return errors


def label_value_errors(value: str) -> list[str]:
    """Problems with a label value; empty when valid (the empty string is valid)."""
    errors = []
    if len(value) > _MAX_NAME:
        errors.append(f"must be no more than {_MAX_NAME} characters")
    if not re.fullmatch(_LABEL_VALUE_FMT, value):
        errors.append(regex_error(_LABEL_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errors


def labels_errors(labels: dict[str, str] | None, path: str) -> list[FieldError]:
    """apimachinery's ValidateLabels: every key and value, reported at the map's path."""
    errors: list[FieldError] = []
    for key, value in (labels or {}).items():
        errors += [invalid(path, key, message) for message in qualified_name_errors(key)]
        errors += [invalid(path, value, message) for message in label_value_errors(value)]
    return errors
