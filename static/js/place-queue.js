// Tap the map to fill in the position of the chosen report.
import { L, makeMap } from "./map-common.js";

const element = document.getElementById("place-map");
if (element) {
  const map = makeMap(element);
  let marker = null;
  map.on("click", (event) => {
    document.getElementById("place-lat").value = event.latlng.lat.toFixed(6);
    document.getElementById("place-lon").value = event.latlng.lng.toFixed(6);
    if (marker) marker.setLatLng(event.latlng); else marker = L.marker(event.latlng).addTo(map);
  });
}
