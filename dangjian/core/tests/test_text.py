from dangjian.core.text import quote


def test_quote_never_doubles_quotes() -> None:
    assert quote("3月份主题党日") == "“3月份主题党日”"
    assert quote("学习贯彻全国“两会”精神") == "“学习贯彻全国‘两会’精神”"
    assert quote("“主题党日+”") == "“主题党日+”"
    assert "““" not in quote("“两会”精神") and "””" not in quote("学习“两会”")
