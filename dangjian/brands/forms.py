"""Forms of the brand pages: the shapes a person fills in; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms

from . import rules as R
from .models import Grade, NewsLevel, ProgressKind

DATE = forms.DateInput(attrs={"type": "date"})
AREA = {"rows": 4}


class CampaignForm(forms.Form):
    title = forms.CharField(label="活动名称", max_length=120)
    document = forms.CharField(label="依据文件", max_length=200)
    incubation_end = forms.DateField(label="品牌酝酿截止", widget=DATE)
    application_deadline = forms.DateField(label="项目申报截止", widget=DATE)
    approval_deadline = forms.DateField(label="项目立项截止", widget=DATE)
    cultivation_end = forms.DateField(label="培育建设截止", widget=DATE)
    acceptance_deadline = forms.DateField(label="考核验收截止", widget=DATE)
    excellent_quota = forms.IntegerField(label="优秀名额", min_value=0, max_value=999, initial=3)
    criteria_text = forms.CharField(
        label="评审指标（每行：名称|权重|满分）",
        widget=forms.Textarea(attrs=AREA),
        required=False,
        help_text="权重之和须为 100；留空使用默认四项指标",
    )
    must_apply_text = forms.CharField(
        label="必须参与的支部（每行：支部编号|标记）",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="标记：样板支部、双带头人工作室、培育对象",
    )

    def criteria(self) -> list[dict[str, Any]] | None:
        """The criteria lines parsed; a bad line raises a Chinese message naming it."""
        text = self.cleaned_data.get("criteria_text", "").strip()
        if not text:
            return None
        out = []
        for i, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("｜", "|").split("|")]
            if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
                raise forms.ValidationError(f"评审指标第 {i} 行格式应为：名称|权重|满分（整数）")
            out.append({"code": f"c{i}", "label": parts[0], "weight": int(parts[1]), "max": int(parts[2])})
        return out

    def must_apply(self) -> dict[int, str]:
        out: dict[int, str] = {}
        for i, line in enumerate(self.cleaned_data.get("must_apply_text", "").strip().splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("｜", "|").split("|")]
            if len(parts) != 2 or not parts[0].isdigit():
                raise forms.ValidationError(f"必须参与的支部第 {i} 行格式应为：支部编号|标记")
            out[int(parts[0])] = parts[1]
        return out


class ApplicationForm(forms.Form):
    brand_name = forms.CharField(label="品牌名称（4–8 字）", max_length=20)
    slogan = forms.CharField(label="品牌口号", max_length=60, required=False)
    logo = forms.FileField(label="品牌标识（JPEG/PNG，可不上传）", required=False)
    logo_meaning = forms.CharField(
        label="标识含义", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    background = forms.CharField(label="背景与问题", required=False, widget=forms.Textarea(attrs=AREA))
    goals = forms.CharField(label="目标与阶段安排", required=False, widget=forms.Textarea(attrs=AREA))
    measures = forms.CharField(label="主要措施与载体", required=False, widget=forms.Textarea(attrs=AREA))
    team = forms.CharField(label="项目团队", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    results = forms.CharField(label="预期成果与指标", required=False, widget=forms.Textarea(attrs=AREA))
    plan = forms.CharField(label="长期规划", required=False, widget=forms.Textarea(attrs=AREA))
    honours = forms.CharField(label="已获荣誉", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    originality = forms.BooleanField(label="本支部承诺：申报的品牌项目为本支部原创，不存在抄袭", required=False)

    def sections(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(key, "") for key, _, _ in R.APPLICATION_SECTIONS}


class ReviseForm(forms.Form):
    background = ApplicationForm.base_fields["background"]
    goals = ApplicationForm.base_fields["goals"]
    measures = ApplicationForm.base_fields["measures"]
    team = ApplicationForm.base_fields["team"]
    results = ApplicationForm.base_fields["results"]
    plan = ApplicationForm.base_fields["plan"]
    honours = ApplicationForm.base_fields["honours"]

    def sections(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(key, "") for key, _, _ in R.APPLICATION_SECTIONS}


class OpinionForm(forms.Form):
    opinion = forms.CharField(label="基层党委（总支）意见", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class ReviewForm(forms.Form):
    """One integer field per criterion (named score_<code>), the comments and revision requirements."""

    comments = forms.CharField(
        label="评审意见", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    requirements = forms.CharField(
        label="修改要求", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, criteria: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for c in criteria:
            self.fields[f"score_{c['code']}"] = forms.CharField(
                label=f"{c['label']}（0–{c['max']} 分，权重 {c['weight']}）",
                required=False,
                widget=forms.NumberInput(attrs={"min": 0, "max": c["max"], "step": 1, "inputmode": "numeric"}),
            )
        self.criteria = criteria
        self.order_fields([f"score_{c['code']}" for c in criteria])  # scores first, then the comments

    def scores(self) -> dict[str, str]:
        return {c["code"]: self.data.get(f"score_{c['code']}", "") for c in self.criteria}


class ObjectionForm(forms.Form):
    reason = forms.CharField(label="异议内容", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    received_on = forms.DateField(label="收到日期", widget=DATE)


class AnswerForm(forms.Form):
    answer = forms.CharField(label="答复意见", max_length=1000)


class DisqualifyForm(forms.Form):
    disqualify_reason = forms.CharField(label="取消资格理由", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ProgressForm(forms.Form):
    on = forms.DateField(label="日期", widget=DATE)
    kind = forms.ChoiceField(label="类别", choices=ProgressKind.choices)
    meeting_id = forms.TypedChoiceField(label="关联会议记录", coerce=int, required=False, empty_value=None)
    ref = forms.CharField(label="其他记录编号", max_length=60, required=False)
    summary = forms.CharField(label="进展", max_length=500)

    def __init__(self, *args: Any, meetings: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[Any, str]] = [("", "（不关联会议）")]
        choices += [(m.pk, f"{m.meeting_date:%Y-%m-%d} {m.theme}") for m in meetings or []]
        self.fields["meeting_id"].choices = choices  # type: ignore[attr-defined]


class ProgressDeedsForm(forms.Form):
    """A step of cultivation made of community-confirmed deeds of the branch's members: tick them
    instead of retyping them."""

    deed_ids = forms.TypedMultipleChoiceField(
        label="社区确认的实事",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请勾选实事"},
    )
    summary = forms.CharField(label="进展", max_length=500)

    def __init__(self, *args: Any, deeds: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deed_ids"].choices = [  # type: ignore[attr-defined]
            (d.pk, f"{d.on:%Y-%m-%d} {d.member.name}：{d.title}") for d in deeds or []
        ]


class NewsForm(forms.Form):
    title = forms.CharField(label="稿件标题", max_length=200)
    url = forms.URLField(label="链接", max_length=500, assume_scheme="https")
    platform = forms.CharField(label="刊发平台", max_length=100)
    level = forms.ChoiceField(label="平台级别", choices=NewsLevel.choices)
    published_on = forms.DateField(label="刊发日期", widget=DATE)


class CaseForm(forms.Form):
    origin = forms.CharField(label="背景与起因", required=False, widget=forms.Textarea(attrs={"rows": 6}))
    practice = forms.CharField(label="做法与经过", required=False, widget=forms.Textarea(attrs={"rows": 8}))
    effect = forms.CharField(label="成效与反响", required=False, widget=forms.Textarea(attrs={"rows": 6}))
    analysis = forms.CharField(label="分析与评价", required=False, widget=forms.Textarea(attrs={"rows": 6}))

    def sections(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(key, "") for key, _ in R.CASE_SECTIONS}


class GradeForm(forms.Form):
    grade = forms.ChoiceField(label="验收等次", choices=Grade.choices)
