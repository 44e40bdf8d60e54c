"""The console's browser tests (a package, so the stack of conftest.py is torn down after its last test)."""
