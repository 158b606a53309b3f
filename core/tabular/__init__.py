"""The tabular import kit: bounded reading of an uploaded CSV/.xlsx (reading.py,
xlsx_stream.py), the upload's checks before it is read (upload_checks.py), column checks
that collect row errors (columns.py) and writing a checked frame (upsert.py). The apps'
importers use it; the imports app runs them."""
