import sys

from bot.directory.cli import main

sys.exit(main())
