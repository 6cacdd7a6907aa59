// The inbox map: one dot per matching report, linked to its staff page.
import { L, makeMap } from "./map-common.js";

const element = document.getElementById("inbox-map");
const map = makeMap(element);
const points = JSON.parse(element.dataset.points || "[]");
const colours = { received: "#a4161a", confirmed: "#7a4b00", planned: "#0b4f8a", in_progress: "#0b4f8a" };
const layer = L.featureGroup();
for (const p of points) {
  L.circleMarker([p.lat, p.lon], { radius: 6, color: "#fff", weight: 1, fillColor: colours[p.status] || "#4a5563", fillOpacity: 0.9 })
    .bindTooltip(p.ref)
    .on("click", () => { window.location.href = `/staff/reports/${p.id}`; })
    .addTo(layer);
}
layer.addTo(map);
if (points.length) map.fitBounds(layer.getBounds(), { maxZoom: 16, padding: [20, 20] });
