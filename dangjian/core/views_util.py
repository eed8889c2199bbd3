"""Small view helpers shared by the apps: turning a service's ValidationError into what the user sees.

Services raise `ValidationError` (by field when it names one); a view either puts it on the
form it re-renders or flashes it through the messages framework before redirecting.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from dangjian.core.scoping import FourEyesRefused


def error_messages(exc: ValidationError, labels: Mapping[str, str] | None = None) -> list[str]:
    """The error's messages, flat; with `labels`, a field's messages are prefixed "<label>："."""
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    out: list[str] = []
    for name, errs in exc.message_dict.items():
        label = (labels or {}).get(name, "")
        out.extend(f"{label}：{e}" if label and name != "__all__" else e for e in errs)
    return out


def errors_to_form(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError onto the form (field errors by name, the rest on top)."""
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


def flash_errors(request: HttpRequest, exc: ValidationError, labels: Mapping[str, str] | None = None) -> None:
    """One `messages.error` per message of the error (see `error_messages` for `labels`)."""
    for m in error_messages(exc, labels):
        messages.error(request, m)


def flash_form_errors(request: HttpRequest, form: forms.BaseForm) -> None:
    """One `messages.error` per invalid field of a bound form: "<label>：<errors joined by ；>"."""
    for field, errs in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        text = "；".join(str(e) for e in errs)
        messages.error(request, f"{label}：{text}" if label else text)


def run_service(
    request: HttpRequest,
    call: Callable[[], Any],
    done: str | Callable[[Any], str],
    labels: Mapping[str, str] | None = None,
) -> bool:
    """Run one service call for a POST view; flash its refusal or `done`, and say whether it ran.

    `done` is the success message, or a function of the service's result that words it (the
    deadline a finding was given, the total a visit scored).
    A `ValidationError` is flashed message by message (field messages prefixed with their label
    from `labels`); a `FourEyesRefused` (the applicant deciding their own item) is flashed as it
    is. Every other `PermissionDenied` propagates (403), whatever its message: a service's scope
    gate (`require`, "not an inspector of this plan") refuses someone who must not act, and the
    URL walk in tests/test_url_security.py holds every management POST to a 403/404 for them."""
    try:
        result = call()
    except ValidationError as exc:
        flash_errors(request, exc, labels)
        return False
    except FourEyesRefused as exc:
        messages.error(request, str(exc))
        return False
    messages.success(request, done if isinstance(done, str) else done(result))
    return True


def run_form_service(
    request: HttpRequest,
    form: forms.BaseForm,
    call: Callable[[dict[str, Any]], Any],
    done: str | Callable[[Any], str],
    labels: Mapping[str, str] | None = None,
) -> bool:
    """The usual POST body: an invalid form flashes its field errors; a valid one runs
    `call(form.cleaned_data)` through `run_service`. True when the service ran."""
    if not form.is_valid():
        flash_form_errors(request, form)
        return False
    return run_service(request, lambda: call(form.cleaned_data), done, labels)


def safe_next(request: HttpRequest, default: str) -> str:
    """The request's `next` (POST, else GET) when it is a path on this site, else `default`.

    Only same-site paths are followed ("/..."): an absolute URL, a scheme-relative "//host" or
    a "javascript:" value would send the user elsewhere after a trusted page."""
    candidate = (request.POST.get("next") or request.GET.get("next") or "").strip()
    if (
        candidate.startswith("/")
        and not candidate.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=False)
    ):
        return candidate
    return default


class PkUrl:
    """A URL reversed once per page for many rows that differ only in their last argument (a pk):
    `PkUrl("dues:pay")` then `{{ url|with_pk:row.pk }}` in the loop — no `{% url %}` per row."""

    _SENTINEL = 987654321987

    def __init__(self, name: str, *args: object) -> None:
        url = reverse(name, args=[*args, self._SENTINEL])
        self.head, _, self.tail = url.rpartition(str(self._SENTINEL))

    def for_pk(self, pk: object) -> str:
        return f"{self.head}{pk}{self.tail}"

    def __str__(self) -> str:
        return self.head + "{pk}" + self.tail


class CountedPaginator(Paginator):
    """A Paginator told its count when the page has already counted the rows (a board's per-status
    totals): no second COUNT over the same rows. Without `count` it counts as usual."""

    def __init__(self, object_list: Any, per_page: int, *, count: int | None = None, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        if count is not None:
            self.__dict__["count"] = count  # Paginator.count is a cached_property
