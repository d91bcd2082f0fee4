@_exported import AuditreeBase
@_exported import AuditreeEvents
@_exported import AuditreeInput
@_exported import AuditreeParser
@_exported import AuditreeReport
@_exported import AuditreeRules
@_exported import AuditreeScan
// The library product's one module: every pipeline stage, re-exported, so a client (the
// `auditree` executable) imports one name. The stages themselves are separate targets
// (docs/architecture.md) and import only the stages before them.
@_exported import AuditreeSystem
@_exported import AuditreeTree
