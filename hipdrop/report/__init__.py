"""Renderers for what a clinician reads: evidence frames, HTML report."""
