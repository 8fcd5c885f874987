"""`nianbao compare`: one agency's report against its report of another year (issue 20).

A driver of the pipeline, not a second implementation: both files are read by
`pipeline.read` (any input form, any edition), the cross-year rules are the XYEAR rules of
`generator.checks` run on the later report with the earlier as last year's, and the page
comes from templates/compare.html through the report templates' Jinja environment.

- `rows` — which figures correspond across editions (2019 ↔ 2021), tables as blocks of rows
- `diff` — a figure's change (absolute, %), sentences and when two are the same
- `narrative` — both years' sections side by side, repeated sentences marked and counted
- `model` — reading, ordering by year, the rules, the largest changes: a `Comparison`
- `page`, `comparison_workbook` — the comparison as HTML and as a workbook for clerks
- `command` — the command line verb (exit codes 0 written, 2 unusable input or output)
"""
