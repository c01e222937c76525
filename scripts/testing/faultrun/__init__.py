"""The fault run (scripts/testing/fault_run.py, issue #11) in parts, each readable alone:
common (what the parts share), pipeline (Remit's worker processes, the SMTP server, the HQ job
starts), workload (the backlogs, the checkouts, the buyers in the portal), nemesis (kills, SIGTERMs
and the outages), checker (every check on the final state) and runner (the run from start to
figures)."""
