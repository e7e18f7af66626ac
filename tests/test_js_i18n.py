"""The JavaScript catalogue route: /i18n/<locale>.json merges the core's and the plugins' js domains."""

from __future__ import annotations


def test_korean_catalogue_has_core_and_plugin_strings_without_signing_in(client):
    response = client.get("/i18n/ko.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert data["locale"] == "ko" and data["nplurals"] == 1
    messages = data["messages"]
    assert messages["Draft saved"] == "임시 저장됨"  # inbox/static/conversation.js
    assert messages["%(num)d selected"] == ["%(num)d개 선택됨"]  # a plural: every form, in order
    assert messages["Insert a saved reply"] == "저장된 답장 넣기"  # the saved_replies plugin's js.po
    assert messages["Refreshing…"] == "새로 고치는 중…"  # the woocommerce plugin's js.po
    assert "" not in messages  # no catalogue header
    assert "public" in response.headers["Cache-Control"]


def test_english_catalogue_and_unknown_locales(client):
    en = client.get("/i18n/en.json").get_json()
    assert en["nplurals"] == 2 and en["messages"]["%(num)d selected"] == ["%(num)d selected", "%(num)d selected"]
    assert client.get("/i18n/xx.json").status_code == 404
    assert client.get("/i18n/..%2Fmessages.json").status_code == 404
