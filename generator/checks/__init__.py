"""The consistency rules (勾稽关系) as a registry, and the engine that runs them.

Rules are data: id, severity, basis, a Chinese title, the features an edition must have
for the rule to apply (schemas/features.py; no rule names an edition) and the function that
evaluates the formula.  `run_checks` returns structured findings; it renders nothing and
prints nothing.
"""

from __future__ import annotations

from nianbao.checks import rules_2019, rules_tables, rules_text, rules_xyear  # noqa: F401  (registers the rules)
from nianbao.checks.engine import RULES, SEVERITIES, CellRef, Finding, Rule, rules_for, run_checks

__all__ = ["RULES", "SEVERITIES", "CellRef", "Finding", "Rule", "rules_for", "run_checks"]
