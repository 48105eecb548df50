from datetime import date

import pytest

from xinfang.intake.idcard import InvalidIdNumberError, make_id_number, parse_id_number


def test_valid_number_gives_birth_date_and_sex() -> None:
    facts = parse_id_number("11010519491231002x")
    assert facts.number == "11010519491231002X"
    assert facts.birth_date == date(1949, 12, 31)
    assert facts.sex == "F"


def test_generated_numbers_pass_the_checksum() -> None:
    number = make_id_number("320102", date(1980, 5, 17), 123)
    facts = parse_id_number(number)
    assert facts.sex == "M" and facts.birth_date == date(1980, 5, 17)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("110105194912310021", "校验位不符"),
        ("1101051949123100", "应为18位"),
        ("11010519491332002X", "出生日期19491332不存在"),
        ("1101051949123100AX", "前17位应为数字"),
        ("110105299912310028", "不合理"),
        ("1101051949123100٢X", "前17位应为数字"),  # an Arabic-Indic digit is no digit here
    ],
)
def test_bad_numbers_are_refused_with_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(InvalidIdNumberError, match=reason):
        parse_id_number(raw)


def test_full_width_digits_are_the_same_number() -> None:
    assert parse_id_number("１１０１０５１９４９１２３１００２ｘ").number == "11010519491231002X"
