"""The shared view helpers that turn a service's ValidationError into what the user sees."""

from __future__ import annotations

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.test import RequestFactory

from dangjian.core.views_util import error_messages, errors_to_form, flash_errors, flash_form_errors


class _Form(forms.Form):
    name = forms.CharField(label="姓名")
    note = forms.CharField(required=False)


def _request() -> HttpRequest:
    request = RequestFactory().post("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def _texts(request: HttpRequest) -> list[str]:
    return [str(m) for m in get_messages(request)]


def test_error_messages_flat_and_labelled() -> None:
    exc = ValidationError({"name": ["不能为空", "过长"], "__all__": ["总体错误"], "x": ["其他"]})
    assert error_messages(exc) == ["不能为空", "过长", "总体错误", "其他"]
    labelled = error_messages(exc, {"name": "姓名", "__all__": "全部"})
    assert labelled == ["姓名：不能为空", "姓名：过长", "总体错误", "其他"]
    assert error_messages(ValidationError(["甲", "乙"])) == ["甲", "乙"]


def test_errors_to_form_by_field_and_on_top() -> None:
    form = _Form({"name": "张三"})
    assert form.is_valid()
    errors_to_form(form, ValidationError({"name": "重名", "unknown": "未知字段的错误"}))
    assert form.errors["name"] == ["重名"]
    assert form.non_field_errors() == ["未知字段的错误"]
    form2 = _Form({"name": "张三"})
    assert form2.is_valid()
    errors_to_form(form2, ValidationError("版本冲突"))
    assert form2.non_field_errors() == ["版本冲突"]


def test_flash_errors_and_form_errors() -> None:
    request = _request()
    flash_errors(request, ValidationError({"name": "重名"}), {"name": "姓名"})
    assert _texts(request) == ["姓名：重名"]
    request = _request()
    form = _Form({"name": ""})
    assert not form.is_valid()
    form.add_error(None, "整体有误")
    flash_form_errors(request, form)
    assert _texts(request) == ["姓名：这个字段是必填项。", "整体有误"]


def test_run_service_flashes_refusal_or_success() -> None:
    from django.core.exceptions import PermissionDenied

    from dangjian.core.scoping import FourEyesRefused
    from dangjian.core.views_util import run_service

    request = _request()
    assert run_service(request, lambda: None, "已保存") is True
    assert _texts(request) == ["已保存"]

    def refuse_field() -> None:
        raise ValidationError({"name": "重名"})

    request = _request()
    assert run_service(request, refuse_field, "已保存", {"name": "姓名"}) is False
    assert _texts(request) == ["姓名：重名"]

    def four_eyes() -> None:
        raise FourEyesRefused()

    request = _request()
    assert run_service(request, four_eyes, "已保存") is False
    assert len(_texts(request)) == 1 and _texts(request)[0] != "已保存"

    def outsider() -> None:
        raise PermissionDenied

    request = _request()
    try:
        run_service(request, outsider, "已保存")
    except PermissionDenied:
        pass
    else:  # pragma: no cover - the assertion below documents the contract
        raise AssertionError("a bare PermissionDenied must propagate as a 403")
    assert _texts(request) == []

    def gate() -> None:  # the scope gate's generic refusal is an outsider too, not a flash
        from dangjian.core.scoping import DENIED_MESSAGE

        raise PermissionDenied(DENIED_MESSAGE)

    request = _request()
    try:
        run_service(request, gate, "已保存")
    except PermissionDenied:
        pass
    else:  # pragma: no cover
        raise AssertionError("the scope gate's refusal must propagate as a 403")
    assert _texts(request) == []

    def rule() -> None:  # a service's own gate with its own message ("not an inspector") is a 403 too
        raise PermissionDenied("您不是本次检查的检查人员")

    request = _request()
    try:
        run_service(request, rule, "已保存")
    except PermissionDenied:
        pass
    else:  # pragma: no cover
        raise AssertionError("only four eyes is shown as a message; other refusals are a 403")
    assert _texts(request) == []


def test_run_form_service_invalid_form_never_calls() -> None:
    from dangjian.core.views_util import run_form_service

    calls: list[dict[str, object]] = []
    request = _request()
    assert run_form_service(request, _Form({"name": ""}), calls.append, "已保存") is False
    assert calls == [] and _texts(request)[0].startswith("姓名：")
    request = _request()
    assert run_form_service(request, _Form({"name": "张三"}), calls.append, "已保存") is True
    assert calls[0]["name"] == "张三" and _texts(request) == ["已保存"]


def test_run_service_words_success_from_the_result() -> None:
    from dangjian.core.views_util import run_form_service, run_service

    request = _request()
    assert run_service(request, lambda: 7, lambda n: f"已抽取 {n} 个组织") is True
    assert _texts(request) == ["已抽取 7 个组织"]

    def refuse() -> int:
        raise ValidationError("已结束")

    words: list[object] = []
    request = _request()
    assert run_service(request, refuse, words.append) is False  # type: ignore[arg-type]
    assert words == [] and _texts(request) == ["已结束"]
    request = _request()
    assert run_form_service(request, _Form({"name": "张三"}), lambda d: d["name"], lambda n: f"{n} 已保存") is True
    assert _texts(request) == ["张三 已保存"]
