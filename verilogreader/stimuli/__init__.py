"""The stimulus schema and the random stimulus generators."""
