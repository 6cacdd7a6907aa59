// A heat map of a campaign's reports over its area.
import { L, makeMap } from "./map-common.js";

const element = document.getElementById("results-map");
const map = makeMap(element);
const area = L.geoJSON(JSON.parse(element.dataset.area), { style: { color: "#7a4b00", weight: 2, fillOpacity: 0 } }).addTo(map);
map.fitBounds(area.getBounds());
const points = JSON.parse(element.dataset.points || "[]");
if (L.heatLayer && points.length) L.heatLayer(points, { radius: 25, blur: 15, maxZoom: 15, minOpacity: 0.35 }).addTo(map);

// The structured audit's scores per 100 m square: red is poor (1), green is good (5).
const SCORE_COLOURS = ["#b2182b", "#ef8a62", "#fddbc7", "#a6d96a", "#1a9641"];
if (element.dataset.scores) {
  fetch(element.dataset.scores, { headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : null))
    .then((cells) => {
      if (!cells || !cells.features.length) return;
      const layer = L.geoJSON(cells, {
        style: (feature) => {
          const score = feature.properties.score;
          const colour = SCORE_COLOURS[Math.min(4, Math.max(0, Math.round((score ?? 3) - 1)))];
          return { color: "#333", weight: 1, fillColor: colour, fillOpacity: 0.6 };
        },
        onEachFeature: (feature, cell) => cell.bindTooltip(`${feature.properties.score} / 5 (${feature.properties.audits})`),
      }).addTo(map);
      L.control.layers(null, { [element.dataset.scoreLabel]: layer }, { collapsed: false }).addTo(map);
    });
}
