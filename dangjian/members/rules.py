"""Rules about a member's identity data and dates (pure functions).

身份证号: GB 11643-1999 check digit. 党龄: counted from conversion to full membership
(党章第七条). Age ≥ 18 at admission (党章第一条).
"""

from __future__ import annotations

import datetime as dt
import re

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_RE = re.compile(r"^\d{17}[\dX]$")


def id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def normalize_id_number(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def id_number_error(value: str) -> str | None:
    """Why `value` is not a valid 18-digit 身份证号, or None."""
    v = normalize_id_number(value)
    if not ID_RE.match(v):
        return "身份证号应为18位（前17位数字，末位为数字或X）"
    try:
        dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return "身份证号中的出生日期无效"
    if id_check_char(v[:17]) != v[17]:
        return "身份证号校验位错误，请核对"
    return None


# A 身份证号 registered outside the user's scope gets this one message, which neither confirms nor
# denies where (or whether) the number is registered: "已登记在其他党组织" was an existence oracle.
ID_CONFLICT_MESSAGE = "该身份证号无法在本组织登记，如需转入请办理组织关系转接"
ID_CONFLICT_LIMIT_MESSAGE = "一小时内无法登记的身份证号过多，已暂停登记和导入，请稍后再试"


def birth_date_from_id(value: str) -> dt.date | None:
    v = normalize_id_number(value)
    try:
        return dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return None


def sex_from_id(value: str) -> str | None:
    v = normalize_id_number(value)
    if len(v) != 18 or not v[16].isdigit():
        return None
    return "M" if int(v[16]) % 2 else "F"


def years_between(start: dt.date, end: dt.date) -> int:
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return max(years, 0)


def party_standing_years(converted_on: dt.date | None, today: dt.date) -> int | None:
    """党龄 in whole years, from the conversion date; None for probationary members."""
    if converted_on is None:
        return None
    return years_between(converted_on, today)


def adult_on(birth_date: dt.date) -> dt.date:
    try:
        return birth_date.replace(year=birth_date.year + 18)
    except ValueError:  # 29 February
        return dt.date(birth_date.year + 18, 3, 1)


def member_date_errors(
    *,
    birth_date: dt.date | None,
    joined_on: dt.date | None,
    converted_on: dt.date | None,
    status: str,
    today: dt.date,
    id_number: str = "",
) -> dict[str, str]:
    """Cross-field date checks, keyed by the field to blame."""
    errors: dict[str, str] = {}
    for name, value in (("birth_date", birth_date), ("joined_on", joined_on), ("converted_on", converted_on)):
        if value is not None and value > today:
            errors[name] = "日期不能晚于今天"
    if birth_date and id_number:
        from_id = birth_date_from_id(id_number)
        if from_id and from_id != birth_date and "birth_date" not in errors:
            errors["birth_date"] = f"出生日期与身份证号不一致（身份证号为 {from_id:%Y-%m-%d}）"
    if birth_date and joined_on and "joined_on" not in errors and joined_on < adult_on(birth_date):
        errors["joined_on"] = "入党日期早于年满18周岁之日"
    if converted_on and joined_on and "converted_on" not in errors and converted_on <= joined_on:
        errors["converted_on"] = "转正日期应晚于入党日期"
    if status == "full" and converted_on is None and "converted_on" not in errors:
        errors["converted_on"] = "正式党员应填写转正日期"
    if status == "probationary" and converted_on is not None and "converted_on" not in errors:
        errors["converted_on"] = "预备党员不应填写转正日期"
    return errors
