"""Tend: practice management for mental health professionals."""
