"""Concrete backends. Only ``dzinza.bootstrap`` imports from here."""
