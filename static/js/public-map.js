// The public map: clustered markers for the reports in view, plus the same reports as a list.
import { L, format, getJSON, makeMap } from "./map-common.js";

const element = document.getElementById("public-map");
const map = makeMap(element);
const clusters = L.markerClusterGroup({ showCoverageOnHover: false });
map.addLayer(clusters);
const list = document.getElementById("report-list");
const count = document.getElementById("map-count");

getJSON(element.dataset.districtsUrl).then((geojson) => {
  L.geoJSON(geojson, {
    style: (feature) => ({ color: "#4a5563", weight: 1, dashArray: feature.properties.approximate ? "6 4" : null, fillOpacity: 0.03 }),
    onEachFeature: (feature, layer) => {
      const label = feature.properties.approximate
        ? `${feature.properties.name} (${element.dataset.approximateLabel})` : feature.properties.name;
      layer.bindTooltip(label, { sticky: true });
    },
    interactive: true,
  }).addTo(map);
}).catch(() => {});

function popup(properties) {
  const box = document.createElement("div");
  const link = document.createElement("a");
  link.href = properties.url;
  link.textContent = `${properties.category_name} (${properties.reference})`;
  box.append(link);
  if (properties.thumbnail_url) {
    const img = document.createElement("img");
    img.src = properties.thumbnail_url;
    img.alt = "";
    img.width = 160;
    box.append(document.createElement("br"), img);
  }
  return box;
}

// The box asked for is the view widened to a 0.01° grid, so that phones looking at the same part of town ask
// the same question and the server can answer from what it keeps; only what is in view is shown.
const GRID = 0.01;
const snap = (value, up) => ((up ? Math.ceil(value / GRID) : Math.floor(value / GRID)) * GRID).toFixed(2);

let pending = null;
async function load() {
  const b = map.getBounds();
  const bbox = [snap(b.getWest(), false), snap(b.getSouth(), false), snap(b.getEast(), true),
    snap(b.getNorth(), true)].join(",");
  if (pending) pending.abort();
  pending = new AbortController();
  let data;
  try {
    const response = await fetch(`${element.dataset.reportsUrl}?bbox=${bbox}`, { signal: pending.signal });
    data = await response.json();
  } catch {
    return;
  }
  clusters.clearLayers();
  list.replaceChildren();
  const inView = data.features.filter((f) => b.contains([f.geometry.coordinates[1], f.geometry.coordinates[0]]));
  for (const feature of inView) {
    const [lon, lat] = feature.geometry.coordinates;
    const p = feature.properties;
    clusters.addLayer(L.marker([lat, lon], { title: `${p.category_name} ${p.reference}` }).bindPopup(() => popup(p)));
    const li = document.createElement("li");
    const link = document.createElement("a");
    link.href = p.url;
    link.textContent = `${p.category_name} – ${p.reference} (${p.created})`;
    li.append(link);
    list.append(li);
  }
  // Very busy views are answered with the newest reports only (the API says "truncated"): say so.
  const message = data.truncated ? element.dataset.msgTruncated : element.dataset.msgCount;
  count.textContent = format(message, { n: inView.length });
  count.dataset.count = String(inView.length);
}
map.on("moveend", load);
load();
