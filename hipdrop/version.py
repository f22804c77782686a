"""hipdrop's version, recorded in every summary's provenance."""

__version__ = "0.1.0"
