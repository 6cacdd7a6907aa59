"""The kommun's inventory of things on the street (street lights, litter bins, benches): what a report is about."""
