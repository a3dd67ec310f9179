"""Event store wire shapes (PascalCase, as the Learning Hub documents them), mapped to the domain explicitly.

`publish` holds the POST body, `read` the records, feed pages and feed query of the read routes;
nothing is re-exported here: a handler imports the models of its own route only (each model class
created at import is a measured part of a cold start, docs/performance.md).
"""

PROGRAM_ID_HINT = "1-25 letters, digits, '_', '.' or '-', starting with a letter or digit"
