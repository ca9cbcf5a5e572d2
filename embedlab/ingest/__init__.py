"""Any upload or path -> a clean corpus on disk; labelled texts; what installed packages ship."""
