"""Exceptions that carry a one-line message meant for the user (exit code 1 on the CLI)."""


class HipdropError(Exception):
    """A problem with the input or the analysis that the user can act on."""


class VideoError(HipdropError):
    """The file is not a readable video, or has too few frames to analyse."""


class UnusableViewError(HipdropError):
    """The camera view cannot give frontal-plane metrics (for example a side view)."""


class NoPersonError(HipdropError):
    """No person was found in enough frames of the clip."""


class NoUsableFramesError(HipdropError):
    """Every frame of the clip was left out (the reasons are in the message)."""
