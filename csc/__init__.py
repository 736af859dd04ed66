"""csc: a data warehouse for English local authorities' children's social care.

Raw RAISE and CAF extract drops -> DuckDB (history kept) -> dbt (staging, intermediate,
marts) -> Great Expectations gate -> atomically published DuckDB file -> Cabinet report.
"""

__version__ = "0.1.0"
