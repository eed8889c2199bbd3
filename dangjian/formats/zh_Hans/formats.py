"""zh-Hans input formats with ISO dates first.

Django's zh-Hans locale renders a date field's value as 2026/03/01, which a browser's date picker
(`<input type="date">`, value must be YYYY-MM-DD) shows as empty: every date field with a default
would lose it. ISO first keeps the picker filled; the other Chinese spellings are still accepted.
"""

from django.conf.locale.zh_Hans.formats import DATE_INPUT_FORMATS as _DATE
from django.conf.locale.zh_Hans.formats import DATETIME_INPUT_FORMATS as _DATETIME

DATE_INPUT_FORMATS = ["%Y-%m-%d", *[f for f in _DATE if f != "%Y-%m-%d"]]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M", *[f for f in _DATETIME if f != "%Y-%m-%d %H:%M"]]
