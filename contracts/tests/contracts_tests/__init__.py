"""Tests of the contracts package.

They live in a uniquely named package because the repository runs pytest with `--import-mode=importlib`: a
test module directly in `contracts/tests/` would be imported as `contracts.tests.…`, and pytest would first
create `contracts` as a namespace package for the outer `contracts/` folder, hiding the real package.
"""
