"""The SEC rules: each module holds its rule and the rows of the detector table it raises."""
