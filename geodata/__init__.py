"""The bundled district layers, installed as the package ``simulator.bundled_geodata``.

This folder (``geodata/`` in the repository) holds the sourced CSV tables, the module that
builds the GeoPackage from them (``build``, also runnable as ``python geodata/build.py`` or
``python -m simulator.bundled_geodata.build``) and the GeoPackage itself. ``pyproject.toml``
maps the folder into the package, so a wheel carries one copy of everything here and
``simulator.geodata`` finds the GeoPackage through ``importlib.resources``, never beside the
package. See README.md in this folder.
"""
