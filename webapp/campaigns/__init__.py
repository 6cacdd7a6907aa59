"""Campaigns (Instagram weeks, digital safety walks, experience collection, follow-ups), imports of
Instagram posts, engagement activities and property-owner outreach."""
