"""Attachment downloads, previews and the signed cid: image route."""

from urllib.parse import quote

import pytest
from conversation_helpers import PNG, add_customer_message, login, make_conversation, make_mailbox, make_user


@pytest.fixture
def world(app):
    mb = make_mailbox()
    other = make_mailbox()
    anna = make_user(mailboxes=[mb])
    olga = make_user(mailboxes=[other])
    conv = make_conversation(mb)
    item = add_customer_message(
        conv,
        attachments=[
            ("Übersicht März.pdf", "application/pdf", b"%PDF-1.4 fake", None),
            ("evil.html", "text/html", b"<script>alert(1)</script>", None),
            ("logo.svg", "image/svg+xml", b"<svg onload='alert(1)'/>", None),
            ("pic.png", "image/png", PNG, "pic@x"),
        ],
    )
    atts = {a.filename: a for a in item.attachments}
    return dict(anna=anna, olga=olga, conv=conv, item=item, atts=atts)


def test_download_headers(client, world):
    login(client, world["anna"])
    att = world["atts"]["Übersicht März.pdf"]
    resp = client.get(f"/attachments/{att.id}/download")
    assert resp.status_code == 200 and resp.data == b"%PDF-1.4 fake"
    cd = resp.headers["Content-Disposition"]
    assert cd.startswith("attachment;") and f"filename*=UTF-8''{quote('Übersicht März.pdf')}" in cd
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.mimetype == "application/octet-stream"  # pdf renders in the browser: never inline


@pytest.mark.parametrize("name", ["evil.html", "logo.svg"])
def test_active_types_are_forced_to_download(client, world, name):
    login(client, world["anna"])
    att = world["atts"][name]
    resp = client.get(f"/attachments/{att.id}/download")
    assert resp.mimetype == "application/octet-stream"
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    assert client.get(f"/attachments/{att.id}/preview").status_code == 404


def test_image_preview_inline(client, world):
    login(client, world["anna"])
    att = world["atts"]["pic.png"]
    resp = client.get(f"/attachments/{att.id}/preview")
    assert resp.status_code == 200 and resp.mimetype == "image/png" and resp.data == PNG
    assert "attachment" not in resp.headers.get("Content-Disposition", "")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_other_mailbox_attachment_is_404(client, world):
    login(client, world["olga"])
    for att in world["atts"].values():
        assert client.get(f"/attachments/{att.id}/download").status_code == 404
        assert client.get(f"/attachments/{att.id}/preview").status_code == 404
    assert client.get("/attachments/99999/download").status_code == 404


def test_anonymous_cannot_download(app, world):
    resp = app.test_client().get(f"/attachments/{world['atts']['pic.png'].id}/download")
    assert resp.status_code in (302, 401)


def test_images_need_a_session_and_access_no_bearer_urls(app, world):
    # review finding 22: cid: images used to be signed URLs anyone could load for 7 days
    pic = world["atts"]["pic.png"]
    anon = app.test_client()
    assert anon.get(f"/attachments/{pic.id}/preview").status_code in (302, 401)
    assert anon.get(f"/attachments/{pic.id}/cid/anything").status_code == 404  # the bearer route is gone
    other = app.test_client()
    login(other, world["olga"])
    assert other.get(f"/attachments/{pic.id}/preview").status_code == 404
