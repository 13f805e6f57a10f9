"""GEDCOM: bytes to records and back. Pure Python; knows nothing of the database.

- ``charsets``: which character set a file is in (BOM, header, bytes) and how to decode it.
- ``reader``: lines to records (``Node`` trees), streaming, with warnings instead of failures.
- ``upgrade`` / ``downgrade``: GEDCOM 5.5.x structures to 7.0 and back.
- ``writer``: records to text in 7.0 or 5.5.1.
- ``gedzip``: the GEDZIP (``.gdz``) archive of a GEDCOM file and its media.

Every record is read into 7.0 form (``upgrade``), so the rest of Dzinza maps one version only.
"""
