"""Statutory returns written from the work database (docs/returns.md): the SSDA903 return
(children looked after, CSV files) and the children in need census (XML), for a collection
year, per LA, as at an extract date."""

from csc.returns.folder import LaReturns, ReturnsRun, write_returns
from csc.returns.source import CollectionYear, ReturnsError

__all__ = ["CollectionYear", "LaReturns", "ReturnsError", "ReturnsRun", "write_returns"]
