// Shared map set-up: Leaflet is loaded as a classic script before the page modules.
const L = window.L;

export function makeMap(element, options = {}) {
  const data = element.dataset;
  const { zoomControl = true, ...rest } = options;
  const map = L.map(element, { scrollWheelZoom: false, ...rest, zoomControl: false })
    .setView([parseFloat(data.lat), parseFloat(data.lon)], parseInt(data.zoom, 10));
  if (zoomControl) {  // with the zoom buttons' names in the page's language, at the side the page starts from
    const words = document.body.dataset;
    const position = document.documentElement.dir === "rtl" ? "topright" : "topleft";
    L.control.zoom({ zoomInTitle: words.zoomIn || "+", zoomOutTitle: words.zoomOut || "−", position }).addTo(map);
  }
  L.tileLayer(data.tileUrl, { maxZoom: 19, attribution: data.attribution }).addTo(map);
  return map;
}

export async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${response.status} ${url}`);
  return response.json();
}

export function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ""));
}

// Leaflet.draw's toolbar and tooltips in the page's language (webapp/templating.py, draw_words), merged into its
// own L.drawLocal before a drawing control is made.
export function translateDraw(element) {
  const words = JSON.parse(element.dataset.drawWords || "null");
  const merge = (target, source) => {
    for (const [key, value] of Object.entries(source)) {
      if (value && typeof value === "object") merge(target[key] ??= {}, value);
      else target[key] = value;
    }
  };
  if (words && L.drawLocal) merge(L.drawLocal, words);
}

export { L };
