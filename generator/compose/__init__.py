"""Compose: the validated report as a document model (sections, tables, the default sentences)."""
