"""Test aids shipped with the package: tiny random models built offline."""
