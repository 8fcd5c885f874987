"""nianbao: 政府信息公开工作年度报告 — load → validate → check → compose → render → write."""

__version__ = "0.1.0"
