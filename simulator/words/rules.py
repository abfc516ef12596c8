"""The words of each rule of the rule book (`simulator/rules/rules.yaml`): its title (what it
tests, in English and Vietnamese), its short legal reference (as planners cite it) and what a
planner can change to fix a violation."""

from __future__ import annotations

from typing import Any

__all__ = ["RULE_WORDS", "FIX_VI", "fix_words"]

RULE_WORDS: dict[str, dict[str, Any]] = {
    "cluster_size": {
        "short": "NĐ 32/2024 (quy mô CCN)",
        "title": {
            "en": "Cluster area within 10–75 ha (5–75 ha for craft-village clusters), counting expansions",
            "vi": "Quy mô CCN từ 10 đến 75 ha (CCN làng nghề từ 5 ha), kể cả phần mở rộng",
        },
        "fix": "resize the cluster, split it into two clusters, or (≥ 5 ha) establish it as a craft-village cluster",
    },
    "new_cluster_gate": {
        "short": "NĐ 32/2024 (ĐK thành lập)",
        "title": {
            "en": "New cluster only while existing clusters average > 50 % occupancy or ≤ 100 ha is unleased",
            "vi": "Thành lập CCN mới khi tỷ lệ lấp đầy trung bình các CCN > 50 % hoặc đất công nghiệp chưa cho thuê ≤ 100 ha",
        },
        "fix": "approve the cluster later (see the gate's opening year), or fill the existing clusters first",
    },
    "expansion_occupancy": {
        "short": "NĐ 32/2024 (ĐK mở rộng)",
        "title": {
            "en": "Expansion only when the cluster it expands is ≥ 60 % occupied",
            "vi": "Mở rộng CCN khi tỷ lệ lấp đầy của CCN hiện hữu ≥ 60 %",
        },
        "fix": "approve the expansion later (see the gate's opening year), or speed up leasing of the parent cluster",
    },
    "expansion_infrastructure": {
        "short": "NĐ 32/2024 (ĐK mở rộng)",
        "title": {
            "en": "Expansion only when the parent's roads, water and wastewater are built",
            "vi": "Mở rộng CCN khi hạ tầng kỹ thuật thiết yếu của CCN hiện hữu đã hoàn thành",
        },
        "fix": "approve the expansion after the parent's infrastructure is finished",
    },
    "services_share": {
        "short": "NĐ 32/2024 (dịch vụ ≤10 %)",
        "title": {
            "en": "Service land (warehousing, logistics, repair) ≤ 10 % of the cluster",
            "vi": "Đất dịch vụ (kho bãi, logistics, sửa chữa) ≤ 10 % diện tích CCN",
        },
        "fix": "move service uses out of the cluster or reduce land_use.services to ≤ 10 %",
    },
    "land_structure": {
        "short": "QCVN 01:2021/BXD (L)",
        "title": {
            "en": "Land structure minimums: green ≥ 10 %, roads ≥ 8 %, technical infrastructure ≥ 1 %",
            "vi": "Cơ cấu sử dụng đất tối thiểu: cây xanh ≥ 10 %, giao thông ≥ 8 %, hạ tầng kỹ thuật ≥ 1 %",
        },
        "fix": "raise land_use.green / roads / technical (and lower industrial) to meet the minimums",
    },
    "green_strip": {
        "short": "QCVN 01:2019/BXD",
        "title": {
            "en": "Green isolation strip ≥ 10 m wide around the cluster",
            "vi": "Dải cây xanh cách ly rộng ≥ 10 m bao quanh CCN",
        },
        "fix": "widen the green isolation strip to ≥ 10 m",
    },
    "plot_coverage": {
        "short": "QCVN 01:2019/BXD",
        "title": {
            "en": "Net building density on factory plots ≤ 70 %",
            "vi": "Mật độ xây dựng thuần lô đất nhà máy ≤ 70 %",
        },
        "fix": "lower the plot coverage to ≤ 70 %",
    },
    "rice_land": {
        "short": "NĐ 35/2022 Đ.9 (L)",
        "title": {
            "en": "Rice land converted in the district since the base year within the cap",
            "vi": "Diện tích đất trồng lúa chuyển mục đích trong huyện không vượt ngưỡng",
        },
        "fix": "phase the conversions (later approvals or smaller phases), or site clusters off rice land",
    },
    "overlap": {
        "short": "NĐ 32/2024",
        "title": {
            "en": "Clusters do not overlap each other",
            "vi": "Các CCN không chồng lấn nhau",
        },
        "fix": "redraw one of the outlines",
    },
    "inside_district": {
        "short": "NĐ 32/2024",
        "title": {
            "en": "Cluster lies inside the district",
            "vi": "CCN nằm trong địa giới huyện",
        },
        "fix": "move the cluster inside the district boundary",
    },
    "river": {
        "short": "Luật Đê điều 2006 (L)",
        "title": {
            "en": "Cluster not on the river or its floodplain outside the dike",
            "vi": "CCN không nằm trên lòng sông, bãi sông ngoài đê",
        },
        "fix": "move the cluster off the river",
    },
    "dike_corridor": {
        "short": "Luật Đê điều 2006 Đ.23",
        "title": {
            "en": "Cluster outside the dike protection corridor",
            "vi": "CCN nằm ngoài hành lang bảo vệ đê",
        },
        "fix": "keep the cluster ≥ corridor_m + half_base_m from the dike centreline",
    },
    "sanitation_buffer": {
        "short": "TCVN 4449:1987 PL III",
        "title": {
            "en": "Cluster at least the sanitation buffer of its hazard class from residential areas",
            "vi": "Khoảng cách ly vệ sinh từ CCN đến khu dân cư theo cấp độc hại",
        },
        "fix": "move the cluster away from housing, or restrict it to cleaner trades (a higher class number)",
    },
    "transport_corridor": {
        "short": "NĐ 11/2010 (L)",
        "title": {
            "en": "Cluster off the expressway, national road and railway corridors",
            "vi": "CCN không lấn hành lang an toàn đường cao tốc, quốc lộ, đường sắt",
        },
        "fix": "set the outline back from the road or railway",
    },
}

# what a planner can change, in Vietnamese (the English is each rule's `fix` above)
FIX_VI: dict[str, str] = {
    "cluster_size": "điều chỉnh diện tích, tách thành hai cụm, hoặc (≥ 5 ha) thành lập CCN làng nghề",
    "new_cluster_gate": "duyệt cụm muộn hơn (xem năm điều kiện đạt), hoặc lấp đầy các cụm hiện có trước",
    "expansion_occupancy": "duyệt mở rộng muộn hơn (xem năm điều kiện đạt), hoặc đẩy nhanh cho thuê đất ở cụm hiện hữu",
    "expansion_infrastructure": "duyệt mở rộng sau khi hạ tầng của cụm hiện hữu hoàn thành",
    "services_share": "đưa chức năng dịch vụ ra ngoài cụm hoặc giảm tỷ lệ đất dịch vụ xuống ≤ 10 %",
    "land_structure": "tăng tỷ lệ đất cây xanh, giao thông, hạ tầng kỹ thuật (và giảm đất công nghiệp) cho đủ mức tối thiểu",
    "green_strip": "mở rộng dải cây xanh cách ly lên ≥ 10 m",
    "plot_coverage": "giảm mật độ xây dựng xuống ≤ 70 %",
    "rice_land": "giãn tiến độ chuyển đổi (duyệt muộn hơn hoặc chia giai đoạn nhỏ hơn), hoặc đặt cụm ngoài đất lúa",
    "overlap": "vẽ lại ranh giới một trong hai cụm",
    "inside_district": "dời cụm vào trong địa giới huyện",
    "river": "dời cụm ra khỏi lòng sông",
    "dike_corridor": "giữ cụm cách tim đê ít nhất bằng hành lang bảo vệ cộng nửa chân đê",
    "sanitation_buffer": "dời cụm xa khu dân cư, hoặc chỉ nhận ngành nghề ít độc hại hơn (cấp có số lớn hơn)",
    "transport_corridor": "lùi ranh giới khỏi hành lang đường bộ, đường sắt",
}


def fix_words(rule: str, lang: str = "en") -> str:
    """What a planner can change to fix a violation of `rule`, in a language."""
    return str(FIX_VI[rule] if lang == "vi" else RULE_WORDS[rule]["fix"])
