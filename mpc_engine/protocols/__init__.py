"""The protocols, one module per family: arithmetic, boolean, compare, division, shuffle."""
