"""The one home of run lifecycle.

queue (slots, claims), process (a training child), thread (in-process jobs), child (a job's
work in a spawned process: classification), status (what a run is doing).
"""
