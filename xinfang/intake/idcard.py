"""Resident ID numbers (GB 11643-1999): the checksum, and the birth date and sex they carry."""

import unicodedata
from dataclasses import dataclass
from datetime import date
from operator import mul

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


class InvalidIdNumberError(ValueError):
    pass


@dataclass(frozen=True)
class IdFacts:
    number: str
    birth_date: date
    sex: str  # "M" or "F"


_ZEROS = ord("0") * sum(_WEIGHTS)  # what the weighted sum of the digits' codes adds


def check_digit(first17: str) -> str:
    """The 18th character of 17 ASCII digits (GB 11643: Σ digit·weight mod 11), from the digits'
    codes (a ledger import checks a million numbers)."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError("17 ASCII digits are needed")
    return _CHECK[(sum(map(mul, first17.encode(), _WEIGHTS)) - _ZEROS) % 11]


def parse_id_number(raw: str, *, today: date | None = None) -> IdFacts:
    """The normalised number with its facts, or InvalidIdNumberError with the reason in Chinese."""
    # full-width digits (a Chinese keyboard) are the same number; anything else non-ASCII is not
    number = unicodedata.normalize("NFKC", raw).strip().upper()
    if len(number) != 18:
        raise InvalidIdNumberError(f"身份证号应为18位，实为{len(number)}位")
    if (
        not number.isascii()
        or not number[:17].isdigit()
        or not (number[17].isdigit() or number[17] == "X")
    ):
        raise InvalidIdNumberError("身份证号前17位应为数字，末位应为数字或X")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise InvalidIdNumberError(f"身份证号中的出生日期{number[6:14]}不存在") from exc
    if birth > (today or date.today()) or birth.year < 1880:
        raise InvalidIdNumberError(f"身份证号中的出生日期{birth:%Y-%m-%d}不合理")
    if check_digit(number[:17]) != number[17]:
        raise InvalidIdNumberError("身份证号校验位不符")
    return IdFacts(number=number, birth_date=birth, sex="M" if int(number[16]) % 2 else "F")


def make_id_number(region: str, birth: date, serial: int) -> str:
    """A valid number for region (6 digits), birth date and a 3-digit serial (odd: male)."""
    first17 = f"{region}{birth:%Y%m%d}{serial:03d}"
    return first17 + check_digit(first17)
