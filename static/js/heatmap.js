// The planner's heat map: grid cells from the server, coloured by count, over the district outlines.
import { L, format, getJSON, makeMap } from "./map-common.js";

const element = document.getElementById("heat-map");
const map = makeMap(element);
const ramp = ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"];

getJSON(element.dataset.districtsUrl).then((geojson) => {
  L.geoJSON(geojson, { style: { color: "#333", weight: 1, fill: false, dashArray: "4 3" }, interactive: false }).addTo(map);
}).catch(() => {});

getJSON(element.dataset.cellsUrl).then((cells) => {
  const top = Math.max(1, ...cells.features.map((f) => f.properties.count));
  const colour = (n) => ramp[Math.min(ramp.length - 1, Math.floor((ramp.length - 1) * Math.log1p(n) / Math.log1p(top)))];
  const layer = L.geoJSON(cells, {
    style: (f) => ({ color: colour(f.properties.count), weight: 0, fillColor: colour(f.properties.count), fillOpacity: 0.75 }),
    onEachFeature: (f, l) => l.bindTooltip(String(f.properties.count)),
  });
  // A smooth heat layer (Leaflet.heat) over the cell centres, weighted by count; the exact cells as an overlay.
  const centres = cells.features.map((f) => {
    const ring = f.geometry.coordinates[0];
    return [(ring[0][1] + ring[2][1]) / 2, (ring[0][0] + ring[2][0]) / 2, f.properties.count / top];
  });
  const heat = L.heatLayer ? L.heatLayer(centres, { radius: 25, blur: 18, maxZoom: 16, max: 1, minOpacity: 0.3 }) : layer;
  heat.addTo(map);
  L.control.layers({ [element.dataset.heatLabel]: heat, [element.dataset.cellsLabel]: layer }, {}, { collapsed: false }).addTo(map);
  if (cells.features.length) map.fitBounds(layer.getBounds(), { maxZoom: 16 });
  const count = document.getElementById("heat-count");
  count.textContent = format(count.dataset.msg, { n: cells.total, c: cells.features.length })
    + (cells.suppressed ? ` · ${format(count.dataset.suppressed, { s: cells.suppressed })}` : "");
  count.dataset.total = String(cells.total);
}).catch(() => {});
