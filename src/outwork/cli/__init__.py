"""The command line shell over the library."""
