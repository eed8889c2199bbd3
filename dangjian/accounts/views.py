from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dangjian.core.scoping import Action
from dangjian.core.views_util import errors_to_form, safe_next
from dangjian.orgs.selectors import get_org_for_user, top_orgs_for

from . import selectors
from .forms import LoginForm, PasswordChangeForm, PasswordResetForm, RoleGrantForm
from .middleware import start_session
from .rules import Role
from .services import account_unlock, login_attempt, password_change, password_reset, role_grant, role_revoke
from .throttle import account_state, client_address


def _posted(request: HttpRequest) -> Any:
    """The POST data for a bound form (an empty POST is still a submission, unlike `POST or None`)."""
    return request.POST if request.method == "POST" else None


def login_view(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, "")
    form = LoginForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        result = login_attempt(
            phone=form.cleaned_data["phone"],
            password=form.cleaned_data["password"],
            address=client_address(request),
        )
        if result.user is not None:
            login(request, result.user, backend="dangjian.accounts.backends.PhoneBackend")
            start_session(request, remember=form.cleaned_data["remember"])
            return redirect(next_url or "core:home")
        if result.wait_seconds:
            # Counted per phone number whether or not it has an account: this tells nothing.
            form.add_error(None, f"登录尝试过于频繁，请 {result.wait_seconds} 秒后再试")
        else:
            form.add_error(None, "手机号或密码不正确")
    days = settings.DANGJIAN_SESSION_REMEMBER_DAYS
    return render(request, "accounts/login.html", {"form": form, "next": next_url, "remember_days": days})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@login_required
def password_change_view(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            password_change(
                actor=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                form.add_error("new_password", exc.messages)
        else:
            update_session_auth_hash(request, request.user)  # type: ignore[arg-type]
            messages.success(request, "密码已修改")
            return redirect("core:home")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def me(request: HttpRequest) -> HttpResponse:
    """我的账号: the roles the user holds and their roster entry."""
    return render(request, "accounts/me.html", {"roles": selectors.roles_of(request.user)})


@login_required
def roles(request: HttpRequest) -> HttpResponse:
    """Role assignments inside the subtrees the user administers."""
    roots = list(top_orgs_for(request.user, Action.ADMIN))
    if not roots:
        raise Http404("无可管理的组织")
    org_pk = request.GET.get("org", "")
    org = get_org_for_user(request.user, org_pk, Action.ADMIN) if org_pk.isdigit() else None
    q = request.GET.get("q", "").strip()[:50]
    role = request.GET.get("role", "")
    role = role if role in Role.values else ""
    qs = selectors.role_assignments_filtered(request.user, org_path=org.path if org else "", q=q, role=role)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/roles.html",
        {
            "roots": roots,
            "org": org,
            "q": q,
            "role": role,
            "roles_choices": Role.choices,
            "page": page,
            "query": query.urlencode(),
            "grant_org": org or roots[0],
        },
    )


@login_required
def role_grant_view(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk, Action.ADMIN)
    q = request.GET.get("q", "").strip()[:50]
    form = RoleGrantForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        user, member = selectors.resolve_candidate(request.user, org.path, form.cleaned_data["person"])
        try:
            ra, initial = role_grant(
                actor=request.user,
                org=org,
                role=form.cleaned_data["role"],
                user=user,
                member=member,
                password=form.cleaned_data["password"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            if initial and not form.cleaned_data["password"]:
                # Shown once, on this response only: never stored in clear, never redirected.
                ctx = {"target": ra.user, "password": initial, "org": org}
                return render(request, "accounts/password_once.html", ctx)
            messages.success(request, f"已授予 {ra.user.name} 在 {org.name} 的“{ra.get_role_display()}”角色")
            return redirect(f"{reverse('accounts:roles')}?org={org.pk}")
    return render(
        request,
        "accounts/role_grant.html",
        {"org": org, "form": form, "q": q, "candidates": selectors.person_candidates(request.user, org.path, q)},
    )


@login_required
@require_POST
def role_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    ra = selectors.get_role_assignment_for_admin(request.user, pk)
    role_revoke(actor=request.user, assignment=ra)
    messages.success(request, f"已撤销 {ra.user.name} 在 {ra.org.name} 的“{ra.get_role_display()}”角色")
    return redirect(f"{reverse('accounts:roles')}?org={ra.org_id}")


@login_required
def user_admin(request: HttpRequest, pk: int) -> HttpResponse:
    """An admin's view of one account: its roles in their scope; reset password, unlock."""
    target = selectors.get_user_for_admin(request.user, pk)
    manageable = selectors.can_manage_user(request.user, target)
    form = PasswordResetForm(_posted(request))
    if request.method == "POST":
        if not manageable:
            raise PermissionDenied("该账号不完全在您的管理范围内")
        if request.POST.get("op") == "unlock":
            account_unlock(actor=request.user, user=target)
            messages.success(request, f"已清除 {target.name} 的登录失败记录")
            return redirect("accounts:user", target.pk)
        if form.is_valid():
            try:
                pw = password_reset(actor=request.user, user=target, new_password=form.cleaned_data["new_password"])
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                if form.cleaned_data["new_password"]:
                    messages.success(request, f"已重置 {target.name} 的密码")
                    return redirect("accounts:user", target.pk)
                return render(request, "accounts/password_once.html", {"target": target, "password": pw})
    return render(
        request,
        "accounts/user_admin.html",
        {
            "target": target,
            "manageable": manageable,
            "roles": selectors.roles_in_scope_of(request.user, target),
            "throttle": account_state(target.phone),
            "form": form,
        },
    )
