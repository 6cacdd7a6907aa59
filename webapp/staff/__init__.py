"""The case officers' side: the triage inbox, a report's staff view, moderation, merging, referral."""
