"""Plotly figures for the app, one module per page; built from plain values, testable alone."""
