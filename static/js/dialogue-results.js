// The places given in a dialogue's answers, over its area.
import { L, makeMap } from "./map-common.js";

const element = document.getElementById("dialogue-results-map");
const map = makeMap(element);
const area = L.geoJSON(JSON.parse(element.dataset.area), { style: { color: "#7a4b00", weight: 2, fillOpacity: 0 } }).addTo(map);
map.fitBounds(area.getBounds());
for (const [lat, lon] of JSON.parse(element.dataset.points || "[]")) {
  L.circleMarker([lat, lon], { radius: 6, color: "#005a9c", fillOpacity: 0.7 }).addTo(map);
}
