"""The `crmroi` command: a thin shell over the library (parse, call, render)."""
