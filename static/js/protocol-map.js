// The protocol's map: the route and the numbered stops; and the print button.
import { L, makeMap } from "./map-common.js";

const element = document.getElementById("protocol-map");
if (element) {
  const map = makeMap(element);
  const bounds = [];
  const route = JSON.parse(element.dataset.route || "null");
  if (route) {
    const line = L.geoJSON(route, { style: { color: "#005ea5", weight: 4 } }).addTo(map);
    bounds.push(...line.getBounds().isValid() ? [line.getBounds()] : []);
  }
  for (const stop of JSON.parse(element.dataset.stops || "[]")) {
    L.circleMarker([stop.lat, stop.lon], { radius: 11, color: "#fff", weight: 2, fillColor: "#005ea5", fillOpacity: 1 })
      .bindTooltip(String(stop.n), { permanent: true, direction: "center", className: "stop-number" }).addTo(map);
    bounds.push(L.latLngBounds([[stop.lat, stop.lon], [stop.lat, stop.lon]]));
  }
  if (bounds.length) map.fitBounds(bounds.reduce((a, b) => a.extend(b)), { padding: [30, 30], maxZoom: 17 });
}
document.querySelectorAll("[data-print]").forEach((button) => button.addEventListener("click", () => window.print()));
