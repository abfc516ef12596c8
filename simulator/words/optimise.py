"""`clustersim optimise`: the decisions section of its page and the recommended map's title."""

from __future__ import annotations

__all__ = ["optimise_words"]

_WORDS = {
    "en": {"heading": "Recommended approval years (— not built)", "cluster": "cluster",
           "decision": "decision", "planner": "planner's plan", "recommended": "recommended",
           "front": "Pareto front", "title": "Recommended"},
    "vi": {"heading": "Năm phê duyệt đề xuất (— không xây dựng)", "cluster": "cụm",
           "decision": "quyết định", "planner": "kế hoạch", "recommended": "đề xuất",
           "front": "Biên Pareto (Pareto front)", "title": "Đề xuất"},
}


def optimise_words(lang: str) -> dict[str, str]:
    """The words in `lang` (vi or en; anything else: en)."""
    return _WORDS.get(lang, _WORDS["en"])
