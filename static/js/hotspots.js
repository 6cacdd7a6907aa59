// The hot-spot page's small map (the top places' 100 m squares, numbered as in the table below it) and the
// patrol sheet's one map per place.
import { L, format, makeMap } from "./map-common.js";

for (const element of document.querySelectorAll("#hotspot-map, .patrol-map")) {
  const map = makeMap(element);
  const cells = JSON.parse(element.dataset.cells || "[]");
  const layer = L.featureGroup();
  for (const cell of cells) {
    const corners = cell.polygon.map(([lon, lat]) => [lat, lon]);
    // The place's number as in the table, always shown; its count on hover or tap.
    L.polygon(corners, { color: "#a4161a", weight: 2, fillColor: "#fc4e2a", fillOpacity: 0.35 })
      .bindTooltip(String(cell.rank), { permanent: true, direction: "top", className: "hotspot-rank" })
      .bindPopup(format(element.dataset.placeLabel, cell))
      .addTo(layer);
  }
  layer.addTo(map);
  if (cells.length) map.fitBounds(layer.getBounds(), { maxZoom: 16, padding: [20, 20] });
}
