// A heat map of a campaign's reports over its area.
import { L, makeMap } from "./map-common.js";

const element = document.getElementById("results-map");
const map = makeMap(element);
const area = L.geoJSON(JSON.parse(element.dataset.area), { style: { color: "#7a4b00", weight: 2, fillOpacity: 0 } }).addTo(map);
map.fitBounds(area.getBounds());
const points = JSON.parse(element.dataset.points || "[]");
if (L.heatLayer && points.length) L.heatLayer(points, { radius: 25, blur: 15, maxZoom: 15, minOpacity: 0.35 }).addTo(map);
