"""The job's plumbing and order: what runs where and when (schedule), the stages in
order (pipeline), what a rerun reuses (reuse), the lock and the guards."""
