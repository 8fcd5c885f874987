"""The consistency rules (勾稽关系) as a registry, and the engine that runs them.

Rules are data: id, severity, basis, a Chinese title and the function that evaluates the
formula.  `run_checks` returns structured findings; it renders nothing and prints nothing.
"""

from __future__ import annotations

from generator.checks.engine import (Finding, CellRef, Rule, RULES, rules_for, run_checks,
                                     SEVERITIES)
from generator.checks import rules_tables, rules_2019, rules_text, rules_xyear  # noqa: F401  (registers the rules)

__all__ = ["Finding", "CellRef", "Rule", "RULES", "rules_for", "run_checks", "SEVERITIES"]
