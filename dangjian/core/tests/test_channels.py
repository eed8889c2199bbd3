"""The notification path: the inbox is the idempotency ledger; email skips people without an
address; extra gateways plug in through the setting."""

from __future__ import annotations

from typing import Any, ClassVar

from dangjian.core import notify
from dangjian.core.channels import (
    EmailChannel,
    configured_channels,
    register_channel,
)
from dangjian.core.models import Notification
from dangjian.site.testing.factories import World

sent_sms: list[tuple[str, str]] = []


class FakeSms:
    name: ClassVar[str] = "sms"

    def send(self, user: Any, title: str, body: str, link: str) -> bool:
        sent_sms.append((user.phone, title))
        return True


class BrokenGateway:
    name: ClassVar[str] = "broken"

    def send(self, user: Any, title: str, body: str, link: str) -> bool:
        raise ConnectionError("gateway down")


def test_deliver_once_inbox_and_email(world: World, django_capture_on_commit_callbacks: Any, mailoutbox: Any) -> None:
    world.member_user.email = "m@example.com"
    world.member_user.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        assert notify.send([world.member_user], key="k1", title="标题", body="正文", link="/x/") == 1
        assert notify.send([world.member_user], key="k1", title="标题", body="正文", link="/x/") == 0
        assert notify.send([world.secretary.pk], key="k1", title="标题") == 1  # no e-mail address: inbox only
    assert Notification.objects.filter(key="k1").count() == 2
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["m@example.com"] and "标题" in mailoutbox[0].subject


def test_no_mail_when_transaction_rolls_back(world: World, mailoutbox: Any) -> None:
    world.member_user.email = "m@example.com"
    world.member_user.save(update_fields=["email"])
    notify.send([world.member_user], key="k2", title="t")  # test transaction never commits
    assert mailoutbox == []


def test_plug_in_gateway_by_setting(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    register_channel("sms", FakeSms)
    settings.DANGJIAN_NOTIFY_CHANNELS = ["inapp", "sms", f"{__name__}.BrokenGateway", "no.such.Channel"]
    assert [type(c) for c in configured_channels()] == [FakeSms, BrokenGateway]
    sent_sms.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notify.send([world.member_user], key="k3", title="短信标题")
    assert sent_sms == [(world.member_user.phone, "短信标题")]  # the broken gateway did not stop delivery
    assert mailoutbox == []  # e-mail not configured
    assert Notification.objects.filter(user=world.member_user, key="k3").exists()


def test_channel_classes_directly(world: World, mailoutbox: Any) -> None:
    assert not EmailChannel().send(world.secretary, "t", "b", "")
    world.secretary.email = "s@example.com"
    assert EmailChannel().send(world.secretary, "t", "b", "/l/")
    assert "/l/" in mailoutbox[0].body


def test_send_many_is_idempotent(
    world: World, django_capture_on_commit_callbacks: Any, mailoutbox: Any, monkeypatch: Any
) -> None:
    world.member_user.email = "m@example.com"
    world.member_user.save(update_fields=["email"])
    notify.send([world.secretary], key="b1", title="已有")
    msgs = [
        notify.Message(world.member_user.pk, "b1", "批量"),
        notify.Message(world.secretary, "b1", "批量"),
        notify.Message(world.liaison, "b1", "批量"),
        notify.Message(world.liaison, "b1", "批量（同批重复）"),
    ]
    monkeypatch.setattr(notify, "CHUNK", 2)
    with django_capture_on_commit_callbacks(execute=True):
        assert notify.send_many(msgs) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert notify.send_many(msgs) == 0
    assert Notification.objects.filter(key="b1").count() == 3
    assert Notification.objects.get(user=world.secretary, key="b1").title == "已有"
    assert [m.to for m in mailoutbox] == [["m@example.com"]]


def test_deactivated_account_gets_nothing(
    world: World, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    world.member_user.email = "m@example.com"
    world.member_user.is_active = False
    world.member_user.save(update_fields=["email", "is_active"])
    with django_capture_on_commit_callbacks(execute=True):
        assert notify.send([world.member_user, world.secretary.pk], key="d1", title="通知") == 1
    assert list(Notification.objects.filter(key="d1").values_list("user_id", flat=True)) == [world.secretary.pk]
    assert mailoutbox == []
