"""The campaign loop: generate, simulate, keep what adds coverage, stop or repeat."""
