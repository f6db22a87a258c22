"""The live bid engine's benchmark, run by hand: `python -m bench` (see bench/README.md)."""
