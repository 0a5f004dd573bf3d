"""dbos-skill-eval: does the dbos-python skill make coding models write better DBOS code?"""

__version__ = "0.1.0"
