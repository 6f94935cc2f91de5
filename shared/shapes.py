"""Building one pydantic/SQLModel shape from another by the fields they share by name.

Contracts, table rows and public shapes of one fact name their fields alike on purpose; copying
by name keeps a mapping from listing every field twice. What differs (a renamed field, a
converted value) is passed explicitly and wins.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Any, TypeVar

from pydantic import BaseModel

Shape = TypeVar("Shape", bound=BaseModel)


def shared_fields(
    shape: type[BaseModel], source: BaseModel | Mapping[str, Any], *, exclude: Set[str] = frozenset()
) -> dict[str, Any]:
    """The values of the fields `shape` declares that `source` also has (declares, or holds as a key).

    A field `source` lacks (an older contract, say) is left out, so `shape`'s default applies.
    """
    if isinstance(source, Mapping):
        return {name: source[name] for name in shape.model_fields if name in source and name not in exclude}
    declared = type(source).model_fields
    return {name: getattr(source, name) for name in shape.model_fields if name in declared and name not in exclude}


def from_fields(shape: type[Shape], source: BaseModel | Mapping[str, Any], **values: Any) -> Shape:
    """`shape` given the fields it shares with `source`, then `values`: what `source` holds under
    another name, in another form, or not at all."""
    return shape(**(shared_fields(shape, source) | values))
