-- Who acknowledged a handoff, and when: desks that poll record the agent who took it.
ALTER TABLE handoffs ADD COLUMN acked_by TEXT;
ALTER TABLE handoffs ADD COLUMN acked_at TEXT;
