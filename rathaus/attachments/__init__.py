"""Attachments: content checks (magic bytes), virus scan (clamd), image normalisation, durable storage.

A library, not a Django app: ``checks.check_upload`` / ``checks.check_total`` decide whether files are
accepted, ``scanner.scan`` asks clamd, ``storage.store`` / ``storage.open_blob`` keep the accepted bytes
content-addressed. Operators: docs/operators/virus-scanning.md.
"""
