"""Pages of the bureau's console under /district/<code>/ (issue #8)."""
