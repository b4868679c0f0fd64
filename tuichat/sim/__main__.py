"""``python -m tuichat.sim serve --port 0``: the simulator without the full CLI."""

import sys

from tuichat.sim.cli import main

sys.exit(main())
