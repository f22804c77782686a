"""Checks of the video pipeline against marker-based motion capture: a virtual camera's view
of a trial (virtual_view), its gait events scored against the lab's (event_audit), per-step
drops (steps) and the whole comparison (mocap)."""
