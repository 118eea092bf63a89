"""Dialogue policies. Importing this package (config.yml names a policy in it, so every
Rasa process that loads the model does) applies the pinned Rasa patches in bot.rasa_patches."""

from bot.rasa_patches import apply_patches

apply_patches()
