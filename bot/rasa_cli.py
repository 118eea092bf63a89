"""Rasa's command line (``python -m bot.rasa_cli run ...`` = ``rasa run ...``), skops imported first.

Rasa saves and loads its scikit-learn classifiers with skops. Importing ``skops.io`` names
every numpy and scipy ufunc by looking each one up in every module in ``sys.modules``
(``skops.io._utils.whichmodule``, 765 ufuncs). Rasa imports it late, when loading or saving
the intent classifier, by which time TensorFlow has filled ``sys.modules`` with about 5,700
modules: the import took 7-8 s of loading our model (load_agent 9.4-10.1 s; 2.4-2.6 s with
the import done first, in a fresh interpreter where it takes about 1.4 s). Importing it
before Rasa does changes nothing else: a module is imported once.
"""

import skops.io  # noqa: F401  (first, on purpose: see above)
from rasa.__main__ import main

if __name__ == "__main__":
    main()
