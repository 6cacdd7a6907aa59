// The public map: clustered markers for the reports in view, plus the same reports as a list.
import { L, format, getJSON, makeMap } from "./map-common.js";

const element = document.getElementById("public-map");
const map = makeMap(element);
const clusters = L.markerClusterGroup({ showCoverageOnHover: false });
map.addLayer(clusters);
const areas = L.layerGroup().addTo(map); // counts per area, for views with very many reports
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

// The box asked for is the view widened to a grid (0.01°, or 0.001° when zoomed in close), so that phones looking
// at the same part of town ask the same question and the server can answer from what it keeps; only what is in
// view is shown. Views with very many reports come back as counts per area ("clustered").
const snap = (value, up, grid, digits) =>
  ((up ? Math.ceil(value / grid - 1e-9) : Math.floor(value / grid + 1e-9)) * grid).toFixed(digits);

function zoomTo(latlng) {
  map.setView(latlng, Math.min(map.getZoom() + 2, map.getMaxZoom()));
}

function area(feature) {
  const [lon, lat] = feature.geometry.coordinates;
  const n = feature.properties.count;
  const size = n < 100 ? "small" : n < 1000 ? "medium" : "large";
  const label = format(element.dataset.msgArea, { n });
  const icon = L.divIcon({ html: `<div><span>${n}</span></div>`, className: `marker-cluster marker-cluster-${size}`,
    iconSize: L.point(44, 44) });
  const marker = L.marker([lat, lon], { icon, title: label, alt: label, keyboard: true });
  marker.on("click", () => zoomTo([lat, lon]));
  const li = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "link-button";
  button.textContent = label;
  button.addEventListener("click", () => zoomTo([lat, lon]));
  li.append(button);
  return { marker, li, n };
}

let pending = null;
async function load() {
  const b = map.getBounds();
  const [grid, digits] = map.getZoom() >= 17 ? [0.001, 3] : [0.01, 2];
  const bbox = [snap(b.getWest(), false, grid, digits), snap(b.getSouth(), false, grid, digits),
    snap(b.getEast(), true, grid, digits), snap(b.getNorth(), true, grid, digits)].join(",");
  if (pending) pending.abort();
  pending = new AbortController();
  let data;
  try {
    const response = await fetch(`${element.dataset.reportsUrl}?bbox=${bbox}&clusters=auto`, { signal: pending.signal });
    data = await response.json();
  } catch {
    return;
  }
  clusters.clearLayers();
  areas.clearLayers();
  list.replaceChildren();
  const inView = data.features.filter((f) => b.contains([f.geometry.coordinates[1], f.geometry.coordinates[0]]));
  if (data.clustered) {
    let total = 0;
    for (const feature of inView) {
      const { marker, li, n } = area(feature);
      areas.addLayer(marker);
      list.append(li);
      total += n;
    }
    count.textContent = format(element.dataset.msgClustered, { n: total });
    count.dataset.count = String(total);
    return;
  }
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
