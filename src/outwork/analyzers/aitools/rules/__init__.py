"""The AI-toolchain layer's rules: one module per family, each rule beside its check."""
