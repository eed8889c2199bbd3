from django.apps import AppConfig


class BrandsConfig(AppConfig):
    name = "dangjian.brands"
    label = "brands"
    verbose_name = "一支部一特色"

    def ready(self) -> None:
        from dangjian.core.periodic import periodic_job
        from dangjian.core.registry import ReportSource, attention_provider, nav_item, report_source
        from dangjian.core.scoping import Action
        from dangjian.orgs import config

        from .attention import brands_attention
        from .selectors import report_figures
        from .tasks import brands_sweep

        # Seed 004 §四(三): "立项结果将进行公示，公示期为5个工作日".
        config.register(
            "brands.notice_days",
            "品牌立项公示期（工作日）",
            5,
            min_value=1,
            max_value=30,
            help="立项结果公示的工作日数（《“一支部一特色”支部党建品牌创建活动通知》四(三)：公示期为5个工作日）",
        )
        # Issue 14 item 3: the mean of all reviewers, or the trimmed mean once there are >= 5.
        config.register(
            "brands.aggregate",
            "专家评分汇总方式",
            "mean",
            kind="choice",
            choices=(("mean", "算术平均"), ("trimmed", "去掉一个最高分和一个最低分后平均（≥5 位专家时）")),
            help="评审专家评分的汇总方式；去掉最高最低分仅在 5 位及以上专家评分时适用（地方实践）",
        )
        # Seed 004 §四(四)3: "字数控制在2500字以内" -- how 字 are counted is local practice.
        config.register(
            "brands.count_mode",
            "案例字数计算方式",
            "nonspace",
            kind="choice",
            choices=(("nonspace", "除空白外所有字符（含标点）"), ("han", "仅计汉字")),
            help="案例“字数控制在2500字以内”（通知四(四)3）的计数方式：含标点的非空白字符，或仅计汉字",
        )
        # Seed 004 §三2: names must be "简短有力"; a duplicate within the committee is a warning or a refusal.
        config.register(
            "brands.duplicate_name",
            "品牌名称重复的处理",
            "refuse",
            kind="choice",
            choices=(("refuse", "拒绝"), ("warn", "提示但允许")),
            help="与本党委已有品牌同名时拒绝或仅提示（通知三2：品牌名称特色突出、易懂易记）",
        )
        # Seed 004 §四(三): "品牌建设项目不得抄袭" -- the threshold only flags for a person to judge.
        config.register(
            "brands.similarity_flag",
            "相似度提示阈值（%）",
            30,
            min_value=5,
            max_value=95,
            help="申报书、修改稿、案例与此前材料的相似度（Jaccard）达到该值时标记，供人工判断；"
            "是否取消资格由组织部审定并写明理由（通知四(三)：不得抄袭）",
        )
        nav_item("一支部一特色", "brands:index", Action.VIEW, order=70, icon="flag")
        nav_item("品牌评审", "brands:queue", Action.REVIEW, order=71, icon="check")
        attention_provider(brands_attention)
        periodic_job(self.label, "品牌创建阶段截止提醒（未申报、逾期步骤）", brands_sweep)
        report_source(
            ReportSource(
                key="brands",
                label="一支部一特色",
                figures=(
                    ("projects", "申报品牌项目"),
                    ("approved", "已立项"),
                    ("accepted", "已验收"),
                    ("news", "宣传稿件"),
                ),
                compute=report_figures,
                summable=("projects", "approved", "accepted", "news"),
                order=70,
            )
        )
