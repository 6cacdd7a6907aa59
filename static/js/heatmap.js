// The planner's heat map: grid cells from the server, coloured by count, over the district outlines.
import { L, format, getJSON, makeMap } from "./map-common.js";
import { toWgs84 } from "./sweref.js";

const element = document.getElementById("heat-map");
const map = makeMap(element);
const ramp = ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"];

getJSON(element.dataset.districtsUrl).then((geojson) => {
  L.geoJSON(geojson, { style: { color: "#333", weight: 1, fill: false, dashArray: "4 3" }, interactive: false }).addTo(map);
}).catch(() => {});

// The server sends each cell as [column, row, count] on the SWEREF 99 TM grid (south-west corner at column × size,
// row × size metres); the squares are drawn here, their corners projected in the browser.
// A selection too small to split by gender or age is answered 400 with the reason, shown above the map.
const cellsOf = (url) => fetch(url, { headers: { Accept: "application/json" } }).then(async (response) => {
  const body = await response.json();
  if (!response.ok) {
    document.getElementById("heat-count").textContent = body.error || "";
    throw new Error(`${response.status} ${url}`);
  }
  return body;
});

cellsOf(element.dataset.cellsUrl).then((grid) => {
  const { size, cells } = grid;
  const [e0, n0] = grid.origin || [0, 0];
  const top = cells.reduce((most, c) => Math.max(most, c[2]), 1);
  const colour = (n) => ramp[Math.min(ramp.length - 1, Math.floor((ramp.length - 1) * Math.log1p(n) / Math.log1p(top)))];
  const renderer = L.canvas();  // thousands of squares: one canvas rather than an SVG element each
  const layer = L.featureGroup();
  const centres = [];
  for (const [column, row, count] of cells) {
    const e = e0 + column * size;
    const n = n0 + row * size;
    const corners = [toWgs84(e, n), toWgs84(e + size, n), toWgs84(e + size, n + size), toWgs84(e, n + size)];
    const fill = colour(count);
    L.polygon(corners, { renderer, color: fill, weight: 0, fillColor: fill, fillOpacity: 0.75 })
      .bindTooltip(String(count)).addTo(layer);
    // A smooth heat layer (Leaflet.heat) over the cell centres, weighted by count; the exact cells as an overlay.
    const centre = toWgs84(e + size / 2, n + size / 2);
    centres.push([centre[0], centre[1], count / top]);
  }
  const heat = L.heatLayer ? L.heatLayer(centres, { radius: 25, blur: 18, maxZoom: 16, max: 1, minOpacity: 0.3 }) : layer;
  heat.addTo(map);
  L.control.layers({ [element.dataset.heatLabel]: heat, [element.dataset.cellsLabel]: layer }, {}, { collapsed: false }).addTo(map);
  if (cells.length) map.fitBounds(layer.getBounds(), { maxZoom: 16 });
  const count = document.getElementById("heat-count");
  count.textContent = format(count.dataset.msg, { n: grid.total, c: cells.length })
    + (grid.split ? ` · ${count.dataset.suppressed}` : "");
  count.dataset.total = String(grid.total);
  count.dataset.cells = String(cells.length);
}).catch(() => {});
