"""Interactive demos: thin ipywidgets layers over plain fnnlab functions.

Each widget only wires controls to a tested function; it needs the
``plots`` extra (``pip install 'fnnlab[plots]'``).
"""
