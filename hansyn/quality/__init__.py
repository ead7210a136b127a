"""The data-quality guard: each source's GX suite, run on its raw table after every load."""
