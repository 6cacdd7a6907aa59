"""Durable background work: a job table, claimed by `flask jobs work`, that survives a worker's restart."""
