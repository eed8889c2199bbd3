from __future__ import annotations

from django import forms

from .rules import phone_error


class LoginForm(forms.Form):
    phone = forms.CharField(
        label="手机号", max_length=11, widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "username"})
    )
    password = forms.CharField(label="密码", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if err := phone_error(phone):
            raise forms.ValidationError(err)
        return phone


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label="原密码", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        label="新密码",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="至少8位，不能是纯数字或常见密码",
    )
    new_password2 = forms.CharField(
        label="再次输入新密码", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", "两次输入的新密码不一致")
        return data
