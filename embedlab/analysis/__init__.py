"""Analyses: values in (Embeddings, texts, a config, a cache folder), a value out.

They never touch the store; the job, presenter or CLI command that asked saves the result.
"""
