"""Alerts for an area: new public reports in a district, a campaign or around a point, by e-mail (at once or a
daily digest, confirmed first, one-click unsubscribe) and as an Atom feed per district and campaign (issue 26.3)."""
