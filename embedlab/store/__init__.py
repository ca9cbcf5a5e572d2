"""The workspace: catalog rows, files and atomic placement, nothing else."""
