// Area alerts "around a place": search a street, use the phone's position or tap the map, and the circle shows
// what the alerts cover. The latitude and longitude fields below are what is sent (and work without the map).
import { L, format, makeMap } from "./map-common.js";
import { placeSearch } from "./place-search.js";

const element = document.getElementById("alert-map");
if (element) {
  const words = element.dataset;
  const form = element.closest("form");
  const lat = form.elements.lat;
  const lon = form.elements.lon;
  const radius = form.elements.radius_m;
  const status = document.getElementById("alert-map-status");
  const map = makeMap(element);
  let circle = null;

  function metres() {
    return parseInt(radius.value, 10) || 500;
  }

  function draw(point) {
    if (circle) circle.setLatLng(point).setRadius(metres());
    else circle = L.circle(point, { radius: metres(), color: "#0b5394", weight: 2, fillOpacity: 0.12 }).addTo(map);
    map.fitBounds(circle.getBounds(), { maxZoom: 17, padding: [12, 12] });
  }

  function choose(latitude, longitude) {
    lat.value = latitude.toFixed(6);
    lon.value = longitude.toFixed(6);
    const around = form.querySelector("input[name=kind][value=radius]");
    if (around) around.checked = true;
    draw([latitude, longitude]);
    status.textContent = format(words.msgChosen, { metres: metres() });
  }

  map.on("click", (event) => choose(event.latlng.lat, event.latlng.lng));
  // A keyboard user: Enter on the focused map chooses its centre.
  element.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target === element) {
      event.preventDefault();
      const centre = map.getCenter();
      choose(centre.lat, centre.lng);
    }
  });
  radius.addEventListener("change", () => {
    if (circle) {
      circle.setRadius(metres());
      status.textContent = format(words.msgChosen, { metres: metres() });
    }
  });
  placeSearch(map, (message) => { status.textContent = message; });

  const positionButton = document.getElementById("use-position");
  if ("geolocation" in navigator) {
    positionButton.hidden = false;
    positionButton.addEventListener("click", () => {
      status.textContent = words.msgLocating;
      navigator.geolocation.getCurrentPosition(
        (found) => choose(found.coords.latitude, found.coords.longitude),
        () => { status.textContent = words.msgGeoFailed; },
        { enableHighAccuracy: true, timeout: 15000 },
      );
    });
  }
  // A place already given (a link from the map, or the form sent back with a problem) is drawn at once.
  const given = [parseFloat(lat.value), parseFloat(lon.value)];
  if (given.every(Number.isFinite)) draw(given);
}
