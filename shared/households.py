"""How households appear to someone who may not see personal data: each co-op's choice.

A co-op's `household_display` (registry; the supply chain learns it from `registry.events`)
says what the public sees of its member households: `names`, `initials` (the default) or
`counts` (only how many). The co-op itself and the province always see full names. Both
services apply it through `household_label`, so a name reads the same in the register and on
a trace page.
"""

from __future__ import annotations

import unicodedata

from shared.auth import Principal
from shared.events.registry import HouseholdDisplay

DEFAULT_DISPLAY: HouseholdDisplay = "initials"


def sees_private(principal: Principal | None, coop_id: int) -> bool:
    """Personal data of a co-op's members only for the co-op itself and the province."""
    return principal is not None and (
        principal.role == "province" or (principal.role == "coop" and principal.coop_id == coop_id)
    )


def initials(name: str) -> str:
    """ "Nguyễn Văn Hùng" -> "N. V. H.": the first letter of each word, capitalised, its
    diacritics kept (Đ, Á...: Vietnamese letters are letters, not decorated ASCII), each with a
    full stop. Words without a letter (a "-" or a number) are left out."""
    letters = []
    for word in unicodedata.normalize("NFC", name).split():
        decomposed = unicodedata.normalize("NFD", word)
        start = next((i for i, ch in enumerate(decomposed) if ch.isalpha()), None)
        if start is None:
            continue
        end = start + 1
        while end < len(decomposed) and unicodedata.combining(decomposed[end]):
            end += 1  # the tone and vowel marks belong to the letter
        letters.append(unicodedata.normalize("NFC", decomposed[start:end]).upper() + ".")
    return " ".join(letters)


def household_label(name: str, display: str | None, *, private: bool) -> str | None:
    """A household's name as this reader may see it: in full for the co-op and the province
    (`private`), else as the co-op chose; `None` when it shows only counts."""
    if private or display == "names":
        return name
    if display == "counts":
        return None
    return initials(name)  # "initials", and any value this code does not know yet
