// Draw the campaign area (Leaflet.draw); the polygon goes into the hidden drawn_area field as GeoJSON.
import { L, makeMap, translateDraw } from "./map-common.js";

const element = document.getElementById("area-map");
const input = document.getElementById("drawn_area");
if (element && input) {
  const map = makeMap(element);
  const drawn = new L.FeatureGroup().addTo(map);
  if (input.value) {
    try {
      L.geoJSON(JSON.parse(input.value)).eachLayer((layer) => drawn.addLayer(layer));
      map.fitBounds(drawn.getBounds());
    } catch { /* a bad value is reported by the server */ }
  }
  translateDraw(element);
  map.addControl(new L.Control.Draw({
    draw: { polyline: false, circle: false, marker: false, circlemarker: false, rectangle: true, polygon: true },
    edit: { featureGroup: drawn },
  }));
  const save = () => { input.value = drawn.getLayers().length ? JSON.stringify(drawn.toGeoJSON()) : ""; };
  map.on(L.Draw.Event.CREATED, (event) => { drawn.clearLayers(); drawn.addLayer(event.layer); save(); });
  map.on(L.Draw.Event.EDITED, save);
  map.on(L.Draw.Event.DELETED, save);
}
