"""bot.rasa_cli: Rasa's command line with skops imported before TensorFlow (see its docstring)."""

import subprocess
import sys

ORDER = """
import sys
import bot.rasa_cli
import rasa.core.agent  # what `rasa run` loads: TensorFlow with it
names = list(sys.modules)
print(names.index("skops.io"), names.index("tensorflow"))
"""


def test_skops_is_imported_before_tensorflow() -> None:
    done = subprocess.run([sys.executable, "-c", ORDER], capture_output=True, text=True,
                          check=True)
    skops_at, tensorflow_at = map(int, done.stdout.split())
    assert skops_at < tensorflow_at


def test_it_is_rasas_command_line() -> None:
    done = subprocess.run([sys.executable, "-m", "bot.rasa_cli", "--version"],
                          capture_output=True, text=True, check=True)
    assert "Rasa Version" in done.stdout and "3.6.21" in done.stdout
