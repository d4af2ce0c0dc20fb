"""The IMG rules: each module holds its rules and the check that raises them."""
