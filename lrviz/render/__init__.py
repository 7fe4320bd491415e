"""Renderers: a Trace in, a value out (a Figure, a rich Table, text). No file I/O."""
