"""The MDL rules: one module per family, each rule a class documented by its docstring."""
