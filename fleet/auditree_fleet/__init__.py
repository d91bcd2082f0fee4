"""auditree_fleet: scan many hosts' audit logs with auditree, on Spark or on one machine (docs/fleet.md)."""
