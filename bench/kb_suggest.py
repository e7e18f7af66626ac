"""How good are knowledge-base suggestions? Precision@3 on a labelled set, and the time per suggestion.

    python bench/kb_suggest.py

Loads bench/kb_suggest_data.json (articles in English and Korean, and customer questions each
labelled with the articles that answer it) into a throwaway database, asks the suggester for the
top 3 articles per question, and prints precision@3 (relevant articles among the 3 shown, over 3),
hit@3 (a relevant one among the 3), MRR, and the median and p95 suggestion time. Prints figures;
asserts nothing.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main() -> None:
    from inbox import create_app
    from inbox.extensions import db
    from inbox.migrations_setup import upgrade_all

    data = json.load(open(os.path.join(os.path.dirname(__file__), "kb_suggest_data.json"), encoding="utf-8"))
    folder = tempfile.mkdtemp(prefix="kb-bench-")
    app = create_app({"INSTANCE_PATH": folder, "SECRET_KEY": "bench"})
    upgrade_all(app)
    with app.app_context():
        from inbox_plugins.kb import articles, suggest

        for a in data["articles"]:
            articles.save(
                None,
                title=a["title"],
                body=a["body"],
                category=a["category"],
                tags=a["tags"],
                status="published",
                slug=a["slug"],
            )
        db.session.commit()
        precisions, hits, rr, times = [], [], [], []
        by_lang = {"en": [], "ko": []}
        for q in data["questions"]:
            start = time.perf_counter()
            found = [h.article.slug for h in suggest.for_text(q["subject"], q["text"], limit=3)]
            times.append(time.perf_counter() - start)
            relevant = set(q["relevant"])
            p = sum(1 for s in found if s in relevant) / 3
            precisions.append(p)
            hits.append(1.0 if relevant & set(found) else 0.0)
            rank = next((i + 1 for i, s in enumerate(found) if s in relevant), None)
            rr.append(1 / rank if rank else 0.0)
            lang = "ko" if any("\uac00" <= ch <= "\ud7af" for ch in q["subject"] + q["text"]) else "en"
            by_lang[lang].append(hits[-1])
        # the best possible precision@3: questions with fewer than 3 relevant articles cap it
        ceiling = statistics.mean(min(len(q["relevant"]), 3) / 3 for q in data["questions"])
    times_ms = sorted(t * 1000 for t in times)
    print(
        f"articles: {len(data['articles'])}, questions: {len(data['questions'])} "
        f"({len(by_lang['en'])} English, {len(by_lang['ko'])} Korean)"
    )
    print(f"precision@3: {statistics.mean(precisions):.3f} (ceiling {ceiling:.3f} with these labels)")
    print(
        f"hit@3: {statistics.mean(hits):.3f} (English {statistics.mean(by_lang['en']):.3f}, "
        f"Korean {statistics.mean(by_lang['ko']):.3f})"
    )
    print(f"MRR: {statistics.mean(rr):.3f}")
    print(
        f"suggestion time: median {statistics.median(times_ms):.2f} ms, "
        f"p95 {times_ms[int(len(times_ms) * 0.95) - 1]:.2f} ms"
    )


if __name__ == "__main__":
    main()
