"""Reading an uploaded zip of Markdown articles without letting it unpack into gigabytes.

The 20 MB upload limit is on the compressed bytes; a zip can hold a 600 MB member in 612 KB
(security review, finding 16). So members are counted, and each is read in chunks with a cap
(``ZipInfo.file_size`` is what the archive claims, not what it holds).
"""

from __future__ import annotations

import io
import zipfile

from inbox.i18n import gettext as _

MAX_MEMBERS = 1000  # entries of any kind in one archive
MAX_ARTICLE_BYTES = 2 * 1024 * 1024  # one unpacked .md file
MAX_TOTAL_BYTES = 50 * 1024 * 1024  # all unpacked .md files of one archive
CHUNK = 64 * 1024


class ArchiveError(ValueError):
    """The whole archive is refused; str() says why."""


def read_capped(stream, limit: int) -> bytes | None:
    """At most ``limit`` bytes from a file object, or None when it holds more."""
    chunks, size = [], 0
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)


def markdown_members(data: bytes, filename: str = "") -> tuple[list[tuple[str, bytes]], list[str]]:
    """(name, bytes) of each .md member within the limits, and a message for each one skipped.
    Raises ArchiveError for a file that is not a zip or holds too many members."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError):
        raise ArchiveError(_("%(name)s is not a zip file", name=filename)) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise ArchiveError(
                _(
                    "%(name)s holds %(count)s files; at most %(limit)s are imported at once",
                    name=filename,
                    count=len(infos),
                    limit=MAX_MEMBERS,
                )
            )
        out, skipped, total = [], [], 0
        for info in infos:
            if info.is_dir() or not info.filename.lower().endswith(".md"):
                continue
            if info.file_size > MAX_ARTICLE_BYTES:  # what it claims: no need to unpack to refuse
                skipped.append(
                    _(
                        "%(name)s: larger than %(limit)s MB unpacked",
                        name=info.filename,
                        limit=MAX_ARTICLE_BYTES // (1024 * 1024),
                    )
                )
                continue
            try:
                with zf.open(info) as member:
                    raw = read_capped(member, min(MAX_ARTICLE_BYTES, MAX_TOTAL_BYTES - total))
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
                skipped.append(_("%(name)s: cannot be unpacked (%(why)s)", name=info.filename, why=type(exc).__name__))
                continue
            if raw is None:
                if total + MAX_ARTICLE_BYTES > MAX_TOTAL_BYTES:
                    skipped.append(
                        _(
                            "%(name)s and the rest: more than %(limit)s MB unpacked in total",
                            name=info.filename,
                            limit=MAX_TOTAL_BYTES // (1024 * 1024),
                        )
                    )
                    break
                skipped.append(
                    _(
                        "%(name)s: larger than %(limit)s MB unpacked",
                        name=info.filename,
                        limit=MAX_ARTICLE_BYTES // (1024 * 1024),
                    )
                )
                continue
            total += len(raw)
            out.append((info.filename, raw))
        return out, skipped
