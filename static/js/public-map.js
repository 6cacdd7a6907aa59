// The public map: clustered markers for the reports in view, plus the same reports as a list, nearest first.
import { L, format, getJSON, makeMap } from "./map-common.js";

const element = document.getElementById("public-map");
const words = element.dataset;
const lang = document.documentElement.lang || "sv";
const map = makeMap(element);
const list = document.getElementById("report-list");
const listBox = document.getElementById("report-list-box");
const listOrder = document.getElementById("list-order");
const count = document.getElementById("map-count");
const filters = document.getElementById("map-filters");
const nearMe = document.getElementById("near-me");
const nearMeStatus = document.getElementById("near-me-status");
const more = document.getElementById("list-more");

// The list is built when it is opened, PAGE items at a time ("Show more"), so that a phone does not lay out a
// thousand rows nobody looks at. Each entry makes its <li> when it is shown.
const PAGE = 50;
let entries = [];
let shown = 0;
function showMore(focusFirst) {
  const next = entries.slice(shown, shown + PAGE).map((make) => make());
  list.append(...next);
  shown += next.length;
  const left = entries.length - shown;
  more.hidden = left <= 0;
  more.textContent = format(words.msgMore, { n: Math.min(PAGE, left), total: left });
  if (focusFirst && next.length) next[0].querySelector("a, button").focus();
}
function setList(makers) {
  entries = makers;
  shown = 0;
  list.replaceChildren();
  more.hidden = true;
  if (listBox.open) showMore(false);
}
listBox.addEventListener("toggle", () => {
  if (listBox.open && shown === 0) showMore(false);
});
more.addEventListener("click", () => showMore(true));

// Markers drawn as HTML (clusters, counts per area) are named in words for screen readers ("48 rapporter"),
// not by the bare number they show.
const NamedDivIcon = L.DivIcon.extend({
  createIcon(old) {
    const div = L.DivIcon.prototype.createIcon.call(this, old);
    div.setAttribute("aria-label", this.options.label);
    return div;
  },
});
const plural = new Intl.PluralRules(lang);
const clusterForms = JSON.parse(words.msgCluster);
const reportsLabel = (n) => format(clusterForms[plural.select(n)] || clusterForms.other, { n });

const clusters = L.markerClusterGroup({
  showCoverageOnHover: false,
  iconCreateFunction(cluster) {
    const n = cluster.getChildCount();
    const size = n < 10 ? "small" : n < 100 ? "medium" : "large";
    return new NamedDivIcon({ html: `<div><span>${n}</span></div>`, className: `marker-cluster marker-cluster-${size}`,
      iconSize: L.point(44, 44), label: reportsLabel(n) });
  },
});
map.addLayer(clusters);
const areas = L.layerGroup().addTo(map); // counts per area, for views with very many reports

// District outlines are a backdrop: not clickable, not in the keyboard's way (the note below the map names them).
getJSON(element.dataset.districtsUrl).then((geojson) => {
  L.geoJSON(geojson, {
    style: (feature) => ({ color: "#4a5563", weight: 1, dashArray: feature.properties.approximate ? "6 4" : null, fillOpacity: 0.03 }),
    interactive: false,
  }).addTo(map);
}).catch(() => {});

// The API's "created" is already the Stockholm calendar day: shown as that day (noon UTC is that day everywhere).
const dates = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone: "UTC" });
const dateLabel = (iso) => dates.format(new Date(`${iso}T12:00:00Z`));
const metres = new Intl.NumberFormat(lang, { style: "unit", unit: "meter", maximumFractionDigits: 0 });
const kilometres = new Intl.NumberFormat(lang, { style: "unit", unit: "kilometer", maximumFractionDigits: 1 });
const distanceLabel = (m) => (m < 1000 ? metres.format(Math.round(m / 10) * 10) : kilometres.format(m / 1000));

// A popup opened near the top moves the map far enough that the zoom buttons (at the start of the top) do not
// cover it.
const rtl = document.documentElement.dir === "rtl";
const popupRoom = { autoPanPaddingTopLeft: L.point(rtl ? 10 : 64, 110),
  autoPanPaddingBottomRight: L.point(rtl ? 64 : 10, 10) };

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
  const label = format(words.msgArea, { n });
  const icon = new NamedDivIcon({ html: `<div><span>${n}</span></div>`, className: `marker-cluster marker-cluster-${size}`,
    iconSize: L.point(44, 44), label });
  const marker = L.marker([lat, lon], { icon, keyboard: true });
  marker.on("click", () => zoomTo([lat, lon]));
  const li = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "link-button";
  button.textContent = label;
  button.addEventListener("click", () => zoomTo([lat, lon]));
  li.append(button);
  return { marker, li, n, latlng: L.latLng(lat, lon) };
}

// Pins stay on the map from one answer to the next (only those that left are taken away): a pin's open popup,
// and the map's move that opening it causes, must not make it vanish.
const pins = new Map(); // report id -> marker
function pin(feature) {
  const [lon, lat] = feature.geometry.coordinates;
  const p = feature.properties;
  const label = format(words.msgPin, { category: p.category_name, date: dateLabel(p.created) });
  return L.marker([lat, lon], { alt: label }).bindPopup(() => popup(p), popupRoom);
}

function forgetPins() {
  map.closePopup();
  clusters.clearLayers();
  pins.clear();
}

// Where the list is measured from: your position once known, otherwise the middle of the map.
let position = null;
let you = null;
const byDistance = (items) => {
  const from = position || map.getCenter();
  return items.map((item) => ({ ...item, metres: map.distance(from, item.latlng) }))
    .sort((a, b) => a.metres - b.metres);
};

function filterQuery() {
  const query = new URLSearchParams();
  for (const name of ["category", "status"]) {
    const value = filters.elements[name].value;
    if (value) query.set(name, value);
  }
  const text = query.toString();
  return text ? `&${text}` : "";
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
    const response = await fetch(`${words.reportsUrl}?bbox=${bbox}&clusters=auto${filterQuery()}`,
      { signal: pending.signal });
    data = await response.json();
  } catch {
    return;
  }
  listOrder.textContent = position ? words.msgOrderYou : words.msgOrderCentre;
  const inView = data.features.filter((f) => b.contains([f.geometry.coordinates[1], f.geometry.coordinates[0]]));
  if (data.clustered) {
    forgetPins();
    areas.clearLayers();
    let total = 0;
    const makers = [];
    for (const { marker, li, n } of byDistance(inView.map(area))) {
      areas.addLayer(marker);
      makers.push(() => li);
      total += n;
    }
    setList(makers);
    count.textContent = format(words.msgClustered, { n: total });
    count.dataset.count = String(total);
    return;
  }
  areas.clearLayers();
  const wanted = new Set(inView.map((f) => f.properties.id));
  const gone = [...pins].filter(([id, marker]) => !wanted.has(id) && !marker.isPopupOpen());
  clusters.removeLayers(gone.map(([, marker]) => marker));
  gone.forEach(([id]) => pins.delete(id));
  const fresh = [];
  for (const feature of inView) {
    if (pins.has(feature.properties.id)) continue;
    const marker = pin(feature);
    pins.set(feature.properties.id, marker);
    fresh.push(marker);
  }
  clusters.addLayers(fresh);
  const items = inView.map((f) => ({ p: f.properties, latlng: L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]) }));
  setList(byDistance(items).map(({ p, metres: m }) => () => {
    const li = document.createElement("li");
    const link = document.createElement("a");
    link.href = p.url;
    // The reference in <bdi>, so that in Arabic its Latin letters and dashes keep their order.
    const reference = document.createElement("bdi");
    reference.textContent = p.reference;
    link.append(`${p.category_name} – `, reference, ` (${dateLabel(p.created)})`);
    const away = document.createElement("span");
    away.className = "distance";
    away.textContent = ` · ${format(words.msgDistance, { distance: distanceLabel(m) })}`;
    li.append(link, away);
    return li;
  }));
  // Very busy views are answered with the newest reports only (the API says "truncated"): say so.
  const message = data.truncated ? words.msgTruncated : words.msgCount;
  count.textContent = format(message, { n: inView.length });
  count.dataset.count = String(inView.length);
}

// Filters: the same query parameters as the page's address (which works without JavaScript), applied at once.
function applyFilters() {
  const address = new URLSearchParams(window.location.search);
  for (const name of ["category", "status"]) {
    const value = filters.elements[name].value;
    if (value) address.set(name, value); else address.delete(name);
  }
  const text = address.toString();
  window.history.replaceState(null, "", text ? `?${text}` : window.location.pathname);
  forgetPins();
  load();
}
filters.addEventListener("change", applyFilters);
filters.addEventListener("submit", (event) => {
  event.preventDefault();
  applyFilters();
});

// Near me: the browser's position centres the map and the list starts with what is nearest.
if ("geolocation" in navigator) {
  nearMe.hidden = false;
  nearMe.addEventListener("click", () => {
    nearMeStatus.textContent = words.msgLocating;
    navigator.geolocation.getCurrentPosition((found) => {
      position = L.latLng(found.coords.latitude, found.coords.longitude);
      if (!you) {
        you = L.circleMarker(position, { radius: 9, color: "#fff", weight: 3, fillColor: "#0b5cad", fillOpacity: 1,
          interactive: false }).addTo(map);
      }
      you.setLatLng(position);
      nearMeStatus.textContent = words.msgLocated;
      map.setView(position, Math.max(map.getZoom(), 16));
      load();
    }, () => {
      nearMeStatus.textContent = words.msgNoPosition;
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
}

// The skip link opens the list and puts the keyboard at its start, past every marker on the map.
document.getElementById("skip-map").addEventListener("click", (event) => {
  event.preventDefault();
  listBox.open = true;
  listBox.querySelector("summary").focus();
});

map.on("moveend", load);
load();
