"""Reply templates (inbox.templating): finding 7 of the security review. Every payload that took a
worker to 1 GB or 24 s is refused, fast, at render time and when saved; ordinary templates work."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from inbox.templating import RenderError, check, render, render_string, sample_context

# The review's payloads, then the other ways to grow a value or spin without them.
FINDING_7 = [
    "{{ (['x'*199999]*5000)|join|length }}",
    "{{ (['x'*199999]*199999)|join|length }}",
    "{{ ((((9**99)**99)**99)**9) > 1 }}",
    "{% for a in 'x'*3000 %}{% for b in 'x'*3000 %}{% endfor %}{% endfor %}",
    "{% for a in 'x'*199999 %}{% for b in 'x'*199999 %}{% endfor %}{% endfor %}",
]
MORE = [
    "{{ 'x'|center(999999999) }}",
    "{{ 'x'.center(999999999) }}",
    "{{ 'x'.ljust(999999999) }}{{ 'x'.zfill(999999999) }}",
    "{{ ('x'|attr('center'))(999999999) }}",
    "{{ 'x'|indent(999999999, true) }}",
    "{{ ('x '*99999)|wordwrap(1, wrapstring='y'*1000) }}",
    "{{ '%0999999999d'|format(1) }}",
    "{{ '%0999999999d' % 1 }}",
    "{{ '%*d' % (999999999, 1) }}",
    "{{ '{:>999999999}'.format(1) }}",
    "{{ '{:{}}'.format(1, 999999999) }}",
    "{{ '{0}{0}{0}{0}{0}{0}{0}{0}{0}{0}'.format('x'*199999) }}",
    "{{ ('x'*100000)|replace('', 'y'*1000)|length }}",
    "{{ 'x'.expandtabs(999999999) }}{{ ('\t'*1000).expandtabs(999999) }}",
    "{% set a = 'x'*100000 %}{% set a = a ~ a %}{% set a = a ~ a %}{{ a|length }}",
    "{{ ('x'*199999 + 'y'*199999)|length }}",
    "{% set a = 'x'*150000 %}{% set b = [a, a] %}{% set c = [b, b] %}{{ c }}",
    "{{ ['x'*199999]*5000 }}",
    "{{ [1]|batch(999999999, 'x')|list|length }}",
    "{% for b in [1]|batch(199999, 'x'*199999) %}{{ b }}{% endfor %}",
    "{{ ([[1]]*100000)|sum(start=[])|length }}",
    "{{ ['x']|tojson(999999) }}",
    "{{ 2**5000 }}{{ (2**4000) * (2**4000) }}",
    "{{ (1).to_bytes(999999999, 'big') }}",
    "{% for i in 'x'*10000 %}{{ 'x'*199999 }}{% endfor %}",
    "{% set s %}{% for i in 'x'*10000 %}{{ 'x'*199999 }}{% endfor %}{% endset %}{{ s|length }}",
    "{% macro f(n) %}{% if n > 0 %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(40) }}",
    "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
    "{% for x in [[1, 2]] recursive %}{{ loop(x) }}{% endfor %}",
    "{% for i in 'x'*199999 %}{{ (('x'*199999)|list)|sort|unique|list|length }}{% endfor %}",
]


@pytest.mark.parametrize("template", FINDING_7 + MORE)
def test_expensive_templates_are_refused_fast(template):
    started = time.monotonic()
    with pytest.raises(RenderError) as info:
        render_string(template, sample_context())
    elapsed = time.monotonic() - started
    assert str(info.value).startswith(("not allowed", "template error"))
    assert elapsed < 2.5, f"{elapsed:.1f} s"  # 1 s render budget plus at most one bounded step


@pytest.mark.parametrize("template", FINDING_7 + MORE)
def test_expensive_templates_are_refused_when_saved(template):
    for body_format in ("markdown", "html"):
        problem = check(template, body_format)
        assert problem and ("rendering limits" in problem or problem.startswith(("template error", "not allowed"))), (
            problem
        )


def test_memory_stays_bounded_in_a_fresh_process():
    """The review saw the worker go from 0.41 to 1.1 GB; here every payload in one process stays small."""
    script = (
        "import json, resource, sys\n"
        "from inbox.templating import RenderError, render, sample_context\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "for t in json.loads(sys.stdin.read()):\n"
        "    for fmt in ('markdown', 'html'):\n"
        "        try:\n"
        "            render(t, fmt, sample_context())\n"
        "        except RenderError:\n"
        "            pass\n"
        "print(before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(FINDING_7 + MORE),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout.split()
    before_kb, after_kb = int(out[0]), int(out[1])
    assert after_kb - before_kb < 150 * 1024, f"peak RSS grew by {(after_kb - before_kb) // 1024} MB"


def test_ordinary_templates_still_render():
    ctx = {
        "customer": {"first_name": "Ann", "name": "Ann Lee"},
        "items": ["mug", "tee"],
        "order": {"number": "A-17", "total": 42.5},
    }
    out = render_string(
        "Hi {{ customer.first_name|default('there') }}, {{ items|join(', ') }} in order {{ order.number }} "
        "({{ '%.2f'|format(order.total) }}, {{ '{:>6}'.format(order.total) }}).{% for i in items %} {{ loop.index }}."
        "{{ i|upper|center(5) }}{% endfor %} {{ 'a-b'.replace('-', '+') }} {{ 2**10 }} {{ ('ab' * 3) ~ '!' }}"
        "{% set a, b = 1, 2 %} {{ a + b }} {{ customer.name.split()|last }}",
        ctx,
    )
    assert out == ("Hi Ann, mug, tee in order A-17 (42.50,   42.5). 1. MUG  2. TEE  a+b 1024 ababab! 3 Lee")
    html = render("<p>{% for i in items %}<b>{{ i }}</b>{% endfor %}</p>", "html", ctx)
    assert html.html == "<p><b>mug</b><b>tee</b></p>" and html.text == "**mug****tee**"
    md = render("**{{ customer.name }}** <{{ '<x>' }}>", "markdown", ctx)
    assert "<strong>Ann Lee</strong>" in md.html and "<x>" not in md.html


def test_a_long_but_legitimate_reply_is_fine():
    body = "\n".join(f"Line {{{{ {n} }}}}: {{{{ customer.first_name }}}}" for n in range(2000))
    assert check(body, "markdown") is None
    assert render_string(body, {"customer": {"first_name": "Ann"}}).count("Ann") == 2000


def test_errors_that_depend_on_data_are_left_to_render_time():
    assert check("{{ 1 / 0 }}", "markdown") is None  # the picker shows it as unusable instead
    assert check("{{ customer.first_name ", "markdown").startswith("template error on line 1")
