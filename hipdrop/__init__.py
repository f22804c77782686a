"""hipdrop: contralateral pelvic drop (hip drop) from ordinary video."""

import os as _os

from hipdrop.version import __version__

# Keep native libraries quiet: a user error is one line on stderr, not decoder chatter.
_os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
_os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
_os.environ.setdefault("GLOG_minloglevel", "2")
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def analyse(*args, **kwargs):
    """Analyse a clip; see :func:`hipdrop.pipeline.analyse`."""
    from hipdrop.pipeline import analyse as _analyse

    return _analyse(*args, **kwargs)


def compare_sessions(*sessions):
    """Compare analysed sessions; see :func:`hipdrop.compare.compare`.

    (Not ``hipdrop.compare``: that name is the module.)
    """
    from hipdrop.compare import compare as _compare

    return _compare(*sessions)


__all__ = ["__version__", "analyse", "compare_sessions"]
