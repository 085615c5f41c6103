"""Tabular import and export (XLSX/CSV): jobs, the importer registry, streaming readers and formula-safe writers."""
