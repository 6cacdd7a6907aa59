// A dialogue's place question: tap the map to choose the place (the words field works without it).
import { L, makeMap } from "./map-common.js";

for (const element of document.querySelectorAll(".dialogue-map")) {
  if (!L) break;
  const form = element.closest("form");
  const lat = form.querySelector(`input[name="${element.dataset.place}-lat"]`);
  const lon = form.querySelector(`input[name="${element.dataset.place}-lon"]`);
  element.hidden = false;
  const map = makeMap(element);
  try {
    const area = L.geoJSON(JSON.parse(element.dataset.area), { style: { color: "#7a4b00", weight: 2, fillOpacity: 0 } }).addTo(map);
    map.fitBounds(area.getBounds());
  } catch {
    // no area to show: the map stays at the kommun's centre
  }
  let marker = null;
  const place = (latlng) => {
    if (marker) marker.setLatLng(latlng);
    else marker = L.marker(latlng, { keyboard: false }).addTo(map);
    lat.value = latlng.lat.toFixed(6);
    lon.value = latlng.lng.toFixed(6);
  };
  if (lat.value && lon.value) place(L.latLng(parseFloat(lat.value), parseFloat(lon.value)));
  map.on("click", (event) => place(event.latlng));
}
