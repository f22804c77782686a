"""The analysis stages after pose: a clip's input tracks, usable frames, task, steps and
stairs, baseline, the view's checks, metrics, uncertainty and thresholds, the frame table,
warnings, and what a clip's analysis found (findings) and how sessions compare. Each
stage is a plain function that can be called on its own; :mod:`hipdrop.pipeline` strings them
together."""
