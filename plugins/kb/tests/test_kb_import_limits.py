"""Finding 16 of the security review: a small zip with a huge member must not unpack into memory."""

from __future__ import annotations

import io
import struct
import time
import tracemalloc
import zipfile

from inbox.extensions import db
from inbox.models import User
from inbox.testing.helpers import login
from inbox_plugins.kb import archive
from inbox_plugins.kb.models import Article

ARTICLE = "---\ntitle: {title}\nstatus: published\n---\nBody of {title}.\n"


def _admin(client):
    user = User(email="admin@kb.test", name="Admin Person", role="admin")
    db.session.add(user)
    db.session.commit()
    login(client, user)


def _bomb(megabytes: int) -> bytes:
    """A zip of ~0.1% of ``megabytes``: one .md member of zeros (streamed, never in memory whole)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("fine.md", ARTICLE.format(title="Fine article"))
        with zf.open("huge.md", "w", force_zip64=True) as member:
            block = b"\0" * (1024 * 1024)
            for _ in range(megabytes):
                member.write(block)
    return buffer.getvalue()


def _post(client, data: bytes, name: str = "kb.zip"):
    return client.post(
        "/kb/import",
        data={"files": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _titles() -> list[str]:
    return sorted(a.title for a in db.session.execute(db.select(Article)).scalars())


def test_a_small_zip_with_a_huge_member_is_refused_without_unpacking_it(app, client):
    _admin(client)
    data = _bomb(300)
    assert len(data) < 1024 * 1024  # under a megabyte on the wire, 300 MB unpacked
    tracemalloc.start()
    started = time.monotonic()
    resp = _post(client, data)
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "huge.md: larger than 2 MB unpacked" in html
    assert _titles() == ["Fine article"]  # the rest of the archive is still imported
    assert elapsed < 5 and peak < 40 * 1024 * 1024, (elapsed, peak)


def test_a_member_that_lies_about_its_size_is_cut_off(app, client):
    """The size in the zip's directory says 100 bytes; the member unpacks to 5 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("liar.md", b"x" * (5 * 1024 * 1024))
    data = bytearray(buffer.getvalue())
    real = 5 * 1024 * 1024
    for offset in (22, data.rfind(b"PK\x01\x02") + 24):  # uncompressed size: local header, central directory
        assert struct.unpack_from("<I", data, offset)[0] == real
        struct.pack_into("<I", data, offset, 100)
    members, skipped = archive.markdown_members(bytes(data), "liar.zip")
    assert members == [] and skipped and skipped[0].startswith("liar.md")
    _admin(client)
    assert "liar.md" in _post(client, bytes(data)).get_data(as_text=True) and _titles() == []


def test_total_unpacked_size_is_capped(app, client, monkeypatch):
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 3 * 1024)  # small numbers, same code path
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for n in range(5):
            zf.writestr(f"a{n}.md", ARTICLE.format(title=f"Article {n}") + "x" * 900)
    members, skipped = archive.markdown_members(buffer.getvalue(), "kb.zip")
    assert [name for name, _ in members] == ["a0.md", "a1.md", "a2.md"]
    assert len(skipped) == 1 and skipped[0].startswith("a3.md and the rest: more than")


def test_member_count_is_capped(app, client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        for n in range(archive.MAX_MEMBERS + 1):
            zf.writestr(f"a{n}.md", ARTICLE.format(title=f"Article {n}"))
    _admin(client)
    html = _post(client, buffer.getvalue()).get_data(as_text=True)
    assert f"holds {archive.MAX_MEMBERS + 1} files" in html and _titles() == []


def test_a_single_markdown_file_over_the_limit_is_refused(app, client):
    _admin(client)
    body = (ARTICLE.format(title="Too long") + "x" * (archive.MAX_ARTICLE_BYTES + 1)).encode()
    html = _post(client, body, "long.md").get_data(as_text=True)
    assert "long.md: larger than 2 MB" in html and _titles() == []
