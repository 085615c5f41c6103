"""Writing assessment data, one module per sub-domain: standards, rounds (and the tenant-facing copies: self
scores, appraisal counts), inspection, results (scoring and publication), titles and funding.

Every service validates before writing and runs in one transaction; bad input raises DomainValidationError
(Chinese message naming the field) with nothing written. Live facts (rollup) change in the same transaction.
"""
