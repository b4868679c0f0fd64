"""Packaging glue that pyproject.toml cannot express: the top-level ``themes/``.

The design keeps theme files in ``themes/`` at the top of the repository, yet
a plain ``pip install`` must find them, so the wheel carries that folder as
``tuichat/themes/`` (``package-dir`` in pyproject.toml maps the one onto the
other, and ``package-data`` picks the files). setuptools honours that mapping
only for packages in its package list, and ``[tool.setuptools.packages.find]``
cannot add a package that has no folder of its own. Listing packages by hand
would silently drop the next new subpackage, so the list is computed here:
every package under ``tuichat/`` plus ``tuichat.themes``.
"""

from setuptools import find_namespace_packages, setup

setup(
    packages=[
        *find_namespace_packages(include=["tuichat", "tuichat.*"], exclude=["*.__pycache__"]),
        "tuichat.themes",
    ]
)
