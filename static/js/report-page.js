// A report's page: a small, static map of its place.
import { L, makeMap } from "./map-common.js";

const element = document.getElementById("report-map");
if (element) {
  const map = makeMap(element, { dragging: true, zoomControl: true });
  L.marker([parseFloat(element.dataset.lat), parseFloat(element.dataset.lon)], { keyboard: false }).addTo(map);
}
