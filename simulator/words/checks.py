"""The words of `clustersim check`'s plain-text table, in English and Vietnamese."""

from __future__ import annotations

from typing import Any

__all__ = ["CHECK_TABLE"]

CHECK_TABLE: dict[str, dict[str, Any]] = {
    "en": {
        "fail": "FAIL", "warn": "WARN", "pass": "pass", "off": "OFF", "n/a": "n/a",
        "head": ("", "RULE", "CITATION", "CLUSTER", "YEAR", "P(FAIL)", "WHAT WAS FOUND"),
        "fix": "fix:", "title": "Rule checks", "rules": "Rules in this table",
        "off_rules": "Switched off by the scenario",
        "changed": "Thresholds changed by the scenario",
        "hidden": "not shown: {n} passing and {m} not checkable (n/a)",
        "none": "no rule fails or warns",
    },
    "vi": {
        "fail": "KHÔNG ĐẠT", "warn": "CẢNH BÁO", "pass": "đạt", "off": "TẮT", "n/a": "chưa xét",
        "head": ("", "QUY TẮC", "CĂN CỨ", "CỤM", "NĂM", "P(VI PHẠM)", "KẾT QUẢ KIỂM TRA"),
        "fix": "cách xử lý:", "title": "Kiểm tra quy định", "rules": "Các quy tắc trong bảng",
        "off_rules": "Kịch bản đã tắt", "changed": "Ngưỡng kịch bản đã thay đổi",
        "hidden": "không hiển thị: {n} đạt và {m} chưa xét được (n/a)",
        "none": "không có quy tắc nào vi phạm hoặc cảnh báo",
    },
}
