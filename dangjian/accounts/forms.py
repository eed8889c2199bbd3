from __future__ import annotations

from django import forms

from dangjian.core.validators import phone_error

from .rules import Role


class LoginForm(forms.Form):
    phone = forms.CharField(
        label="手机号",
        max_length=11,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "username"}),
        error_messages={"required": "请填写“手机号”", "max_length": "手机号应为 11 位数字，以 13–19 开头"},
    )
    password = forms.CharField(
        label="密码",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "请填写“密码”"},
    )
    remember = forms.BooleanField(label="保持登录 30 天", required=False)

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if err := phone_error(phone):
            raise forms.ValidationError(err)
        return phone


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label="原密码",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "请填写“原密码”"},
    )
    new_password = forms.CharField(
        label="新密码",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="至少8位，不能是纯数字或常见密码",
        error_messages={"required": "请填写“新密码”"},
    )
    new_password2 = forms.CharField(
        label="再次输入新密码",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "请填写“再次输入新密码”"},
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", "两次输入的新密码不一致")
        return data


class RoleGrantForm(forms.Form):
    person = forms.CharField(label="人员", error_messages={"required": "请选择“人员”"})
    role = forms.ChoiceField(
        label="角色",
        choices=Role.choices,
        error_messages={"required": "请选择“角色”", "invalid_choice": "“角色”的选项无效"},
    )
    password = forms.CharField(
        label="初始密码",
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="仅在为党员新开通账号时使用；留空则自动生成，并只显示这一次",
    )


class PasswordResetForm(forms.Form):
    new_password = forms.CharField(
        label="新密码",
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="留空则自动生成，并只显示这一次",
    )
