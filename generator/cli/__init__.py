"""The command line: options parsed, verbs run, findings printed."""
