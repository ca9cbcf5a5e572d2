"""The one home of run lifecycle.

queue (slots, claims), process (a training child), thread (in-process jobs), status (what a
run is doing).
"""
