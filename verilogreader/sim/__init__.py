"""Simulators behind one small interface (see interface.py)."""
