"""The command sets: one XSD per system, shipped inside the package.

Installed as ``onepoint_schemas`` (``[tool.setuptools.package-dir]`` in pyproject.toml), never as ``schemas``: an
integration tester's project often has a ``schemas`` folder of its own, which would shadow it.
"""
