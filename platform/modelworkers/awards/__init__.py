"""Writes for award batches, the registry, and nomination -> public notice (公示) -> award; one module per step
(batches, registry, nominations, notices: notice, objections and approval; revocations), `common` for shared checks.

The procedure (Wenzhou practice, standards.md 2b): the unit's workers' congress (职代会) discusses the nomination,
the union nominates on its own host, the awarding federation reviews it (accept for the notice or reject with a
reason), publishes a public notice of the accepted nominations (default 7 days), records and resolves every
objection, and after the notice period approves the list: each nominee becomes a ModelWorker under continuation
management. Category quotas are checked live while nominating (warnings only) and enforced at approval.

Every service validates before it writes (DomainValidationError naming the field, nothing written) and runs in one
transaction. Access is decided by the caller.
"""
