"""uncounted: link victim lists into one register and estimate the victims no list recorded."""

__version__ = "0.1.0"
