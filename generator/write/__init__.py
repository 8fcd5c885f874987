"""Write: outputs to files — atomic writes, the workbook and YAML writers, annotated copies."""
