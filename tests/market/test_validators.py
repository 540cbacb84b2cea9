import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from market.validators import credit_code_check_character, validate_credit_code

# Two published codes (GB 32100-2015's own example and a real firm) and one built here.
VALID = ["91350100M000100Y43", "91110000802100433B", "91110115MA01Q2W3EN"]


@pytest.mark.parametrize("code", VALID)
def test_valid_codes_are_accepted(code):
    validate_credit_code(code)


def test_check_character_is_computed_per_gb_32100():
    assert credit_code_check_character("91350100M000100Y4") == "3"


@pytest.mark.parametrize(
    ("code", "needle_en", "needle_zh"),
    [
        ("91350100M000100Y44", "should be 3, not 4", "应为 3"),
        ("91350100M000100Y4", "has 17", "17"),
        ("91350100M000100Y433", "has 19", "19"),
        ("91350100M0001O0Y43", "cannot contain O", "O"),
        ("9135010IM000100S43", "cannot contain I、S", "I、S"),
        ("91350100V000100Z43", "cannot contain V、Z", "V、Z"),
    ],
)
def test_bad_codes_are_refused_naming_the_problem(code, needle_en, needle_zh):
    with pytest.raises(ValidationError) as error:
        validate_credit_code(code)

    with translation.override("en"):
        assert needle_en in error.value.messages[0]
    with translation.override("zh-hans"):
        message = error.value.messages[0]
        assert needle_zh in message
        assert "统一社会信用代码" in message or "校验码" in message


def test_a_code_in_lower_case_is_checked_as_upper_case():
    validate_credit_code("91350100m000100y43")
    with pytest.raises(ValidationError) as error:
        validate_credit_code("91350100m000100y44")
    assert error.value.code == "check"
