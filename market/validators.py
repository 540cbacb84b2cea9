"""Validators for identifiers the bureau relies on."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015 统一社会信用代码: 31 characters, without I, O, S, V, Z.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

CREDIT_CODE_WRONG_LENGTH = _(
    "A unified social credit code has 18 characters; this one has %(length)d."
)
CREDIT_CODE_ILLEGAL_CHARACTERS = _(
    "A unified social credit code cannot contain %(characters)s "
    "(only digits and capital letters other than I, O, S, V and Z)."
)
CREDIT_CODE_WRONG_CHECK = _(
    "The check character (the 18th) should be %(expected)s, not %(actual)s: "
    "the code has a typing error."
)


def credit_code_check_character(first17: str) -> str:
    """The 18th character that GB 32100-2015 computes from the first 17."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(char) * weight
        for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(CREDIT_CODE_WRONG_LENGTH, code="length", params={"length": len(code)})
    illegal = sorted({char for char in code if char not in CREDIT_CODE_ALPHABET})
    if illegal:
        raise ValidationError(
            CREDIT_CODE_ILLEGAL_CHARACTERS,
            code="characters",
            params={"characters": "、".join(illegal)},
        )
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            CREDIT_CODE_WRONG_CHECK,
            code="check",
            params={"expected": expected, "actual": code[17]},
        )
