"""The Vietnamese catalogue of pydantic's messages: real error types, pydantic's English as the fallback."""

from __future__ import annotations

import typing
from decimal import Decimal

import pydantic
import pytest
from pydantic_core import core_schema

from shared.validation_messages import VIETNAMESE, validation_message


class _Sample(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")

    kind: typing.Literal["harvest", "sale"]
    kg: typing.Annotated[Decimal, pydantic.Field(gt=0, max_digits=6, decimal_places=3)]
    codes: list[str] = pydantic.Field(max_length=2)


def test_every_key_is_one_of_pydantics_error_types():
    assert set(VIETNAMESE) <= set(typing.get_args(core_schema.ErrorType))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"kind": "gift", "kg": 1, "codes": []}, "Phải là 'harvest' hoặc 'sale'."),
        ({"kind": "sale", "kg": "1.0001", "codes": []}, "Không được quá 3 chữ số sau dấu thập phân."),
        ({"kind": "sale", "kg": "1234.5", "codes": []}, "Không được quá 3 chữ số trước dấu thập phân."),
        ({"kind": "sale", "kg": 0, "codes": []}, "Phải lớn hơn 0."),
        ({"kind": "sale", "kg": 1, "codes": ["a", "b", "c"]}, "Không được quá 2 phần tử."),
    ],
)
def test_pydantic_errors_are_told_in_vietnamese_with_their_limits(data, expected):
    with pytest.raises(pydantic.ValidationError) as refused:
        _Sample.model_validate(data)
    [item] = refused.value.errors(include_url=False)
    assert validation_message(item, "vi") == expected
    assert validation_message(item, "en") == item["msg"]  # English stays pydantic's


def test_an_item_without_its_context_or_of_an_unknown_type_keeps_its_message():
    by_hand = {"type": "value_error", "loc": ("query", "ward_code"), "msg": "ward 99999 is unknown", "input": "99999"}
    assert validation_message(by_hand, "vi") == "ward 99999 is unknown"
    unknown = {"type": "recursion_loop", "loc": ("body",), "msg": "Recursion error - cyclic reference detected"}
    assert validation_message(unknown, "vi") == "Recursion error - cyclic reference detected"
