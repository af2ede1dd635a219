"""VerilogReader: read a Verilog design, simulate it, and close its branch-coverage holes."""

__version__ = "0.1.0"
