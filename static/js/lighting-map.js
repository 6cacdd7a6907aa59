// The lighting basis's map (and an asset's page): each place as a numbered dot, blue for repairs (TS) and orange for new lighting (SB),
// numbered as in the lists below it (the lists say the same without the map).
import { L, format, makeMap } from "./map-common.js";

const COLOURS = { repair: "#1f5fa8", new: "#b34700" };
const element = document.getElementById("lighting-map");
if (element) {
  const map = makeMap(element);
  const places = JSON.parse(element.dataset.places || "[]");
  const layer = L.featureGroup();
  for (const place of places) {
    L.circleMarker([place.lat, place.lon], { radius: 9, color: "#fff", weight: 2, fillColor: COLOURS[place.group],
                                             fillOpacity: 0.9 })
      .bindTooltip(String(place.number), { permanent: true, direction: "top", className: "hotspot-rank" })
      .bindPopup(format(element.dataset.placeLabel, place))
      .addTo(layer);
  }
  layer.addTo(map);
  if (places.length) map.fitBounds(layer.getBounds(), { maxZoom: 16, padding: [20, 20] });
  else element.hidden = true;
}
