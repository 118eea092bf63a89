"""Keep the root logger's level when numpy.distutils is imported.

Loading a trained model makes skops (which Rasa uses to load scikit-learn models) call
``sklearn.utils.all_estimators()``; that walks every scikit-learn module, and one of them
imports ``numpy.distutils.log``, whose import calls ``set_verbosity(0)``. setuptools'
distutils log is the root logger, so the root level became WARNING and every INFO line the
server wrote after loading the model ("Rasa server is up and running", our own INFO
records) was dropped. A module runs its import once: importing it here first, and putting
the level back, leaves the later import without effect.
"""

from __future__ import annotations

import logging
import warnings


def import_numpy_distutils_keeping_root_level() -> None:
    """Import numpy.distutils.log (if present) without changing the root logger's level."""
    root = logging.getLogger()
    level = root.level
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # numpy.distutils is deprecated
            import numpy.distutils.log  # noqa: F401
    except ImportError:
        pass
    finally:
        root.setLevel(level)
