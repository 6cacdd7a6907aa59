"""The OpenAPI 3 description of /api/v1, served at /api/openapi.json; the tests check real traffic against it."""
from __future__ import annotations

from webapp.municipality import current_municipality
from webapp.reports.status import MAP_STATUS_FILTERS, ReportStatus

ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def document(server_url: str = "/") -> dict:
    name = current_municipality().name
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Trygghetskartan API",
            "version": "1.0",
            "description": "The JSON the Trygghetskartan pages use: public reports of unsafe, littered and poorly "
                           f"maintained places in {name}. Reporters' contact data is never part of any response. "
                           "Reads are open to every origin (CORS); writes need the page's CSRF token. "
                           "For system-to-system exchange use Open311 GeoReport v2 at /open311/v2/.",
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/api/v1/reports": {"get": {
                "summary": "Public reports in a bounding box, as GeoJSON",
                "parameters": [{"name": "bbox", "in": "query", "required": True,
                                "description": "minLon,minLat,maxLon,maxLat (WGS84)",
                                "schema": {"type": "string", "example": current_municipality().example_bbox}},
                               {"name": "clusters", "in": "query", "required": False,
                                "description": "auto: when the box holds more public reports than the map shows "
                                               "one by one (1 000), answer with counts per area instead "
                                               "(clustered: true; each feature has only a count)",
                                "schema": {"type": "string", "enum": ["auto"]}},
                               {"name": "category", "in": "query", "required": False,
                                "description": "Only reports of this category (a key from /api/v1/categories)",
                                "schema": {"type": "string", "example": "littered"}},
                               {"name": "status", "in": "query", "required": False,
                                "description": "open: only open reports (received, confirmed, planned, in_progress); "
                                               "handled: only handled ones (fixed, closed, referred, duplicate); "
                                               "or one status",
                                "schema": {"type": "string", "enum": list(MAP_STATUS_FILTERS)}}],
                "responses": {"200": _json({"$ref": "#/components/schemas/ReportCollection"}, "GeoJSON FeatureCollection"),
                              "400": _json(ERROR, "Missing or bad bbox, unknown category or status"),
                              "429": _json(ERROR, "Too many requests")}}},
            "/api/v1/reports/nearby": {"get": {
                "summary": "Open reports of a category near a point (duplicate suggestions)",
                "parameters": [
                    {"name": "lat", "in": "query", "required": True, "schema": {"type": "number"}},
                    {"name": "lon", "in": "query", "required": True, "schema": {"type": "number"}},
                    {"name": "category", "in": "query", "required": False, "schema": {"type": "string"}}],
                "responses": {"200": _json({"type": "object", "required": ["reports"], "properties": {
                    "reports": {"type": "array", "items": {"$ref": "#/components/schemas/NearbyReport"}}}}, "Nearby reports"),
                    "400": _json(ERROR, "lat/lon not numbers")}}},
            "/api/v1/reports/{reference}": {"get": {
                "summary": "One public report",
                "parameters": [{"name": "reference", "in": "path", "required": True,
                                "schema": {"type": "string", "example": current_municipality().example_reference}}],
                "responses": {"200": _json({"$ref": "#/components/schemas/Report"}, "The report"),
                              "404": _json(ERROR, "No such public report")}}},
            "/api/v1/reports/{reference}/support": {"post": {
                "summary": "Support a report (\"I have seen this too\"), once per browser session and client address",
                "parameters": [{"name": "reference", "in": "path", "required": True, "schema": {"type": "string"}},
                               {"name": "X-CSRFToken", "in": "header", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": _json({"type": "object", "required": ["reference", "support_count", "added"],
                                            "properties": {"reference": {"type": "string"},
                                                           "support_count": {"type": "integer"},
                                                           "added": {"type": "boolean"}}}, "Counted (or already counted)"),
                              "400": _json(ERROR, "Missing CSRF token"), "404": _json(ERROR, "No such report"),
                              "409": _json(ERROR, "The report is closed"),
                              "429": _json(ERROR, "Too many supports from this address")}}},
            "/api/v1/categories": {"get": {
                "summary": "What residents can report",
                "responses": {"200": _json({"type": "object", "required": ["categories"], "properties": {
                    "categories": {"type": "array", "items": {"$ref": "#/components/schemas/Category"}}}}, "Categories")}}},
            "/api/v1/areas/districts": {"get": {"summary": "Districts as GeoJSON (approximate: demo geometry)",
                                                "responses": {"200": _json({"$ref": "#/components/schemas/AreaCollection"}, "Districts")}}},
            "/api/v1/areas/zones": {"get": {"summary": "Maintenance zones as GeoJSON",
                                            "responses": {"200": _json({"$ref": "#/components/schemas/AreaCollection"}, "Zones")}}},
            "/api/v1/areas/kommun": {"get": {"summary": f"The boundary of {current_municipality().kommun} (simplified) as GeoJSON",
                                             "responses": {"200": _json({"type": "object"}, "The boundary")}}},
            "/healthz": {"get": {"summary": "Health check, part by part (database, photo store, jobs, mail)",
                                 "responses": {"200": _json({"$ref": "#/components/schemas/Health"},
                                                            "The database and the photo store work"),
                                               "503": _json({"$ref": "#/components/schemas/Health"},
                                                            "The database or the photo store does not work")}}},
        },
        "components": {"schemas": {
            "Health": {"type": "object", "required": ["status", "database", "photo_store", "jobs", "mail"],
                       "properties": {"status": {"type": "string", "enum": ["ok", "degraded", "fail"]},
                                      **{part: {"type": "object", "required": ["status"], "properties": {
                                          "status": {"type": "string", "enum": ["ok", "degraded", "fail"]}}}
                                         for part in ("database", "photo_store", "jobs", "mail")}}},
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
            "Point": {"type": "object", "required": ["type", "coordinates"], "properties": {
                "type": {"type": "string", "enum": ["Point"]},
                "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}}},
            "ReportFeature": {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
                "type": {"type": "string", "enum": ["Feature"]},
                "geometry": {"$ref": "#/components/schemas/Point"},
                "properties": {"type": "object", "additionalProperties": False,
                               "required": ["id", "reference", "category", "category_name", "status", "created",
                                            "support_count", "thumbnail_url", "url"], "properties": {
                    "id": {"type": "integer"}, "reference": {"type": "string"}, "category": {"type": "string"},
                    "category_name": {"type": "string"}, "status": {"$ref": "#/components/schemas/Status"},
                    "created": {"type": "string", "format": "date"}, "support_count": {"type": "integer", "minimum": 0},
                    "thumbnail_url": {"type": "string", "nullable": True}, "url": {"type": "string"}}}}},
            "ClusterFeature": {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
                "type": {"type": "string", "enum": ["Feature"]},
                "geometry": {"$ref": "#/components/schemas/Point"},
                "properties": {"type": "object", "additionalProperties": False, "required": ["count"],
                               "properties": {"count": {"type": "integer", "minimum": 1}}}}},
            "ReportCollection": {"type": "object", "required": ["type", "features", "truncated"], "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "features": {"type": "array", "items": {"oneOf": [{"$ref": "#/components/schemas/ReportFeature"},
                                                                  {"$ref": "#/components/schemas/ClusterFeature"}]}},
                "truncated": {"type": "boolean"},
                "clustered": {"type": "boolean"},
                "total": {"type": "integer", "minimum": 0}}},
            "Status": {"type": "string", "enum": [s.value for s in ReportStatus]},
            "Report": {"type": "object", "additionalProperties": False,
                       "required": ["reference", "category", "category_name", "status", "status_name", "description",
                                    "place", "district", "lat", "lon", "created", "support_count", "history", "photos"],
                       "properties": {
                "reference": {"type": "string"}, "category": {"type": "string"}, "category_name": {"type": "string"},
                "status": {"$ref": "#/components/schemas/Status"}, "status_name": {"type": "string"},
                "description": {"type": "string"}, "place": {"type": "string", "nullable": True},
                "district": {"type": "string", "nullable": True},
                "lat": {"type": "number", "nullable": True}, "lon": {"type": "number", "nullable": True},
                "created": {"type": "string", "format": "date-time"}, "support_count": {"type": "integer"},
                "history": {"type": "array", "items": {"type": "object", "required": ["status", "at"], "properties": {
                    "status": {"$ref": "#/components/schemas/Status"}, "note": {"type": "string", "nullable": True},
                    "at": {"type": "string", "format": "date-time"}}}},
                "photos": {"type": "array", "items": {"type": "object", "required": ["url", "thumbnail_url"], "properties": {
                    "url": {"type": "string"}, "thumbnail_url": {"type": "string"}}}}}},
            "NearbyReport": {"type": "object", "required": ["reference", "category_name", "description", "distance_m",
                                                            "support_count", "url", "support_url"], "properties": {
                "reference": {"type": "string"}, "category_name": {"type": "string"}, "description": {"type": "string"},
                "distance_m": {"type": "integer"}, "support_count": {"type": "integer"}, "url": {"type": "string"},
                "support_url": {"type": "string"}}},
            "Category": {"type": "object", "required": ["key", "kind", "name", "description", "icon_url"], "properties": {
                "key": {"type": "string"}, "kind": {"type": "string", "enum": ["safety", "fault"]},
                "name": {"type": "string"}, "description": {"type": "string"},
                "notice": {"type": "string", "nullable": True}, "department": {"type": "string", "nullable": True},
                "icon_url": {"type": "string"}, "duplicate_radius_m": {"type": "integer"}}},
            "AreaCollection": {"type": "object", "required": ["type", "features"], "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "features": {"type": "array", "items": {"type": "object", "required": ["type", "geometry", "properties"],
                                                        "properties": {"properties": {"type": "object", "required": ["id", "name", "approximate"],
                                                                                      "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                                                                                     "approximate": {"type": "boolean"}}}}}}}},
        }},
    }
