"""Every service's vi/en texts: registered once, both languages, the same placeholders."""

from __future__ import annotations

import string

import pytest

import services.registry
import services.reporting
import services.supplychain
import services.web.messages
from shared import i18n


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(i18n.MESSAGES))
def test_vietnamese_and_english_take_the_same_values(key):
    texts = i18n.MESSAGES[key]
    assert _placeholders(texts["vi"]) == _placeholders(texts["en"]), key


def test_each_service_registers_its_own_texts():
    for service in (services.registry, services.supplychain, services.reporting, services.web):
        own = service.messages.MESSAGES
        assert own and all(i18n.MESSAGES[key] == texts for key, texts in own.items())


def test_a_key_registered_again_with_other_texts_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        i18n.register({"auth.missing": {"vi": "khác", "en": "other"}})
    with pytest.raises(ValueError, match="exactly vi and en"):
        i18n.register({"test.only_vietnamese": {"vi": "chỉ tiếng Việt"}})
