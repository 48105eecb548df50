"""Xinfang (信访): registration, handling, clocks and reports for a petition bureau."""

__version__ = "0.1.0"
