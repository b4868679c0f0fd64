"""Helpers shared by test modules: fakes, event factories, seeded logs, Pilot steps.

Test modules import from here (and take fixtures from ``conftest.py``), never
from one another: a test module is a leaf, so moving or deleting one cannot
break another (``tests/unit/test_architecture.py`` checks it).
"""
