// The walk's route: the campaign's reports as pins (numbered when chosen), the route as a line, and
// Leaflet.draw to draw a route of one's own (kept as GeoJSON in the hidden route field).
import { L, makeMap, translateDraw } from "./map-common.js";

const element = document.getElementById("walk-map");
const input = document.getElementById("route");
if (element && input) {
  const map = makeMap(element);
  const data = element.dataset;
  const area = L.geoJSON(JSON.parse(data.area), { style: { color: "#7a4b00", weight: 2, fillOpacity: 0 } }).addTo(map);
  map.fitBounds(area.getBounds());
  if (data.route) {
    L.geoJSON(JSON.parse(data.route), { style: { color: "#005ea5", weight: 4, dashArray: "6 6" } }).addTo(map);
  }
  const boxes = new Map();
  document.querySelectorAll(".walk-stops input[type=checkbox]").forEach((box) => boxes.set(box.value, box));
  for (const point of JSON.parse(data.points || "[]")) {
    const marker = L.circleMarker([point.lat, point.lon], {
      radius: point.stop ? 11 : 7, color: "#fff", weight: 2, fillColor: point.stop ? "#005ea5" : "#7a4b00", fillOpacity: 1,
    }).addTo(map);
    marker.bindTooltip(point.stop ? `${point.stop}. ${point.reference}` : point.reference, { permanent: Boolean(point.stop) });
    marker.on("click", () => {
      const box = boxes.get(String(point.id));
      if (!box) return;
      box.checked = !box.checked;
      marker.setStyle({ fillColor: box.checked ? "#005ea5" : "#7a4b00" });
      box.focus();
    });
  }
  const drawn = new L.FeatureGroup().addTo(map);
  const clear = document.getElementById("clear-route");
  const save = () => {
    input.value = drawn.getLayers().length ? JSON.stringify(drawn.getLayers()[0].toGeoJSON()) : "";
    if (clear) clear.hidden = !input.value;
  };
  if (input.value) {
    try { L.geoJSON(JSON.parse(input.value)).eachLayer((layer) => drawn.addLayer(layer)); } catch { /* the server reports it */ }
    save();
  }
  translateDraw(element);
  map.addControl(new L.Control.Draw({
    draw: { polygon: false, rectangle: false, circle: false, marker: false, circlemarker: false, polyline: true },
    edit: { featureGroup: drawn },
  }));
  map.on(L.Draw.Event.CREATED, (event) => { drawn.clearLayers(); drawn.addLayer(event.layer); save(); });
  map.on(L.Draw.Event.EDITED, save);
  map.on(L.Draw.Event.DELETED, save);
  clear?.addEventListener("click", () => { drawn.clearLayers(); save(); });
}
