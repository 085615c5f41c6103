"""Writes for continuation management and benefits, one module per area: joint annual assessments, the scheduled
term end, life events, allowance rules and benefits given (`common` holds the shared checks).

Every service validates before writing and raises DomainValidationError naming the field (nothing written), and
runs in one transaction (its own atomic block; GraphQL mutations wrap it in theirs). Status changes and employer
transfers go through the registry's services (modelworkers.services), which keep its history and live facts. The
benefits fact (mw_benefits_fen) is applied here in the same transaction as the benefit rows. Access is decided by
the caller (selectors.can_* and the GraphQL layer); services receive the side the caller acts for.
"""
