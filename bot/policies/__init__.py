"""Dialogue policies. Importing this package (config.yml names a policy in it, so every
Rasa process that loads the model does, before the model's components are loaded) applies
the pinned Rasa patches in bot.rasa_patches and keeps the root log level through the
import of numpy.distutils (bot.log_level)."""

from bot.log_level import import_numpy_distutils_keeping_root_level
from bot.rasa_patches import apply_patches

import_numpy_distutils_keeping_root_level()
apply_patches()
