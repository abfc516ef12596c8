"""Cluster-park planning simulator for Thường Tín (Hà Nội).

Data flows one way: scenario → inputs → model → results → renderers.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
