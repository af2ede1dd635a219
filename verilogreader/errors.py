"""One error hierarchy: the CLI maps every VerilogReaderError to a clear message and exit code 2."""


class VerilogReaderError(Exception):
    """Root of every error the tool reports to the user without a traceback."""


class DesignError(VerilogReaderError):
    """The design cannot be read: syntax error, unknown top, empty design ..."""


class StimulusError(VerilogReaderError):
    """A stimulus file or answer does not fit the schema or the design's ports."""


class SimulatorNotFound(VerilogReaderError):
    """The requested simulator is not installed; the message says how to install it."""


class SimulationFailed(VerilogReaderError):
    """The simulator could not build or run the design."""


class StoreError(VerilogReaderError):
    """A corpus or results file is missing, truncated or of another schema version."""


class UsageError(VerilogReaderError):
    """The command line asks for something that does not make sense."""


class LLMUnavailable(VerilogReaderError):
    """No LLM can be used: the endpoint is unreachable, or the local model is not installed."""


class LLMCallFailed(VerilogReaderError):
    """One LLM call failed after its retries (down, rate-limited, timed out, refused)."""


class LLMCallAbandoned(LLMCallFailed):
    """One LLM call passed its deadline and was cancelled, its connection closed."""
