"""Pure renderers: annotated source, tables, result documents."""
