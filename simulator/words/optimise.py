"""`clustersim optimise`: the words of its page (the recommendation, the decisions, the
constraints, the search) and of the recommended plan's title and description."""

from __future__ import annotations

__all__ = ["optimise_words"]

_WORDS = {
    "en": {
        "heading": "Recommended approval years (— not built)", "cluster": "Cluster",
        "decision": "Phase", "planner": "Planner's plan", "recommended": "Recommended",
        "front": "Pareto front", "title": "Recommended", "best_title": "Recommended: {plan}",
        "page_title": "Optimisation: which clusters to approve, and when",
        "recommendation": "Recommendation",
        "plan_year": "{names} in {year}", "plan_none": "{names} not built",
        "and": "and", "all_phases": "whole cluster", "phase": "phase {n}",
        "plan_title": "{title} — recommended plan",
        "plan_description": "Recommended by clustersim optimise from {file}: {plan}. {description}",
        "objective": "Objective: {sense} {measure}",
        "objective_value": "Objective: {sense} {measure}: {best} with the recommendation, "
                           "{planner} with the planner's plan",
        "sense:maximise": "the largest", "sense:minimise": "the smallest",
        "stat:mean": "mean", "stat:p": "P{n}",
        "over:year": "{metric}, {year}", "over:sum": "{metric}, total {start}–{end}",
        "over:discounted": "{metric}, discounted {start}–{end}",
        "over:max": "{metric}, highest year {start}–{end}",
        "over:min": "{metric}, lowest year {start}–{end}",
        "base": "base year", "horizon": "horizon",
        "constraints": "Constraints", "constraint": "Constraint", "needs": "Needs P ≥",
        "met": "met", "missed": "missed",
        "rule_constraint": "{rule}: every decided cluster passes",
        "bound": "{measure} {sign} {value}",
        "feasible_none": "No plan found meets every constraint; the page shows the closest.",
        "search": "{done} plans of {total} simulated on {screen} draws; the best {confirmed} "
                  "again on all {draws} draws ({why}).",
        "stopped:budget": "the evaluation budget was used",
        "stopped:local optimum": "no better plan nearby",
        "binding": "What stops a better plan: {items}.",
        "binding_item": "{constraint} (missed by {n} better plans)",
        "name_a": "planner's plan", "name_b": "recommended",
    },
    "vi": {
        "heading": "Năm phê duyệt đề xuất (— không xây dựng)", "cluster": "Cụm",
        "decision": "Giai đoạn", "planner": "Kế hoạch", "recommended": "Đề xuất",
        "front": "Biên Pareto (Pareto front)", "title": "Đề xuất", "best_title": "Đề xuất: {plan}",
        "page_title": "Tối ưu hoá: phê duyệt cụm nào, năm nào",
        "recommendation": "Đề xuất",
        "plan_year": "{names} năm {year}", "plan_none": "không xây dựng {names}",
        "and": "và", "all_phases": "cả cụm", "phase": "giai đoạn {n}",
        "plan_title": "{title} — phương án đề xuất",
        "plan_description": "Phương án do clustersim optimise đề xuất từ {file}: {plan}. "
                            "{description}",
        "objective": "Mục tiêu: {measure} {sense}",
        "objective_value": "Mục tiêu: {measure} {sense}: {best} theo đề xuất, {planner} theo "
                           "kế hoạch",
        "sense:maximise": "lớn nhất", "sense:minimise": "nhỏ nhất",
        "stat:mean": "trung bình", "stat:p": "P{n}",
        "over:year": "{metric}, năm {year}", "over:sum": "{metric}, tổng {start}–{end}",
        "over:discounted": "{metric}, hiện giá {start}–{end}",
        "over:max": "{metric}, năm cao nhất {start}–{end}",
        "over:min": "{metric}, năm thấp nhất {start}–{end}",
        "base": "năm gốc", "horizon": "năm cuối",
        "constraints": "Ràng buộc", "constraint": "Ràng buộc", "needs": "Cần P ≥",
        "met": "đạt", "missed": "không đạt",
        "rule_constraint": "{rule}: mọi cụm được quyết định đều đạt",
        "bound": "{measure} {sign} {value}",
        "feasible_none": "Không tìm được phương án nào đạt mọi ràng buộc; trang này trình bày "
                         "phương án gần đạt nhất.",
        "search": "Đã mô phỏng {done} trong số {total} phương án trên {screen} lần mô phỏng; "
                  "{confirmed} phương án tốt nhất được mô phỏng lại trên cả {draws} lần ({why}).",
        "stopped:budget": "đã dùng hết số lần đánh giá cho phép",
        "stopped:local optimum": "không còn phương án tốt hơn ở lân cận",
        "binding": "Điều ngăn một phương án tốt hơn: {items}.",
        "binding_item": "{constraint} ({n} phương án tốt hơn không đạt)",
        "name_a": "kế hoạch", "name_b": "đề xuất",
    },
}


def optimise_words(lang: str) -> dict[str, str]:
    """The words in `lang` (vi or en; anything else: en)."""
    return _WORDS.get(lang, _WORDS["en"])
