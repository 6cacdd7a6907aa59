// The report form's asset picker (issue 26): when the chosen category may name a street light, bin or bench,
// show those near the pin as a keyboard list, and on the map from zoom 16 (clustered); choosing one moves the pin to it and
// names it in the form's hidden "asset" field. Without this script the form works as before (no asset).
import { L, format, getJSON } from "./map-common.js";

export function assetPicker({ map, form, latInput, lonInput, setPin }) {
  const section = document.getElementById("asset-pick");
  const input = document.getElementById("asset");
  if (!section || !input) return { update() {} };
  const kinds = JSON.parse(section.dataset.kinds || "{}");
  const list = document.getElementById("asset-list");
  const chosenText = document.getElementById("asset-chosen");
  const clear = document.getElementById("asset-clear");
  // Clustered where the page loads the cluster plugin (the resident's form), one by one elsewhere.
  const layer = (L.markerClusterGroup ? L.markerClusterGroup({ disableClusteringAtZoom: 18, maxClusterRadius: 40 })
    : L.layerGroup()).addTo(map);
  let chosenName = "";

  function kind() {
    const category = form.querySelector("input[name=category]:checked");
    return category ? kinds[category.value] : undefined;
  }

  function choose(feature) {
    const [lon, lat] = feature.geometry.coordinates;
    input.value = String(feature.properties.id);
    chosenName = feature.properties.name;
    setPin(lat, lon, format(section.dataset.msgChosen, { name: chosenName }), true);
    chosenText.textContent = format(section.dataset.msgChosen, { name: chosenName });
    clear.hidden = false;
  }

  clear.addEventListener("click", () => {
    input.value = "";
    chosenName = "";
    chosenText.textContent = "";
    clear.hidden = true;
  });

  async function showList() {
    const wanted = kind();
    if (!wanted || !latInput.value) {
      list.replaceChildren();
      section.hidden = !wanted || !input.value;
      return;
    }
    const params = new URLSearchParams({ kind: wanted, lat: latInput.value, lon: lonInput.value });
    let data;
    try {
      data = await getJSON(`${section.dataset.nearestUrl}?${params}`);
    } catch {
      return;
    }
    list.replaceChildren();
    for (const feature of data.features) {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button secondary";
      button.textContent = `${feature.properties.name} (${Math.round(feature.properties.distance_m)} m)`;
      button.addEventListener("click", () => choose(feature));
      li.append(button);
      list.append(li);
    }
    section.hidden = data.features.length === 0 && !input.value;
  }

  async function showOnMap() {
    layer.clearLayers();
    const wanted = kind();
    if (!wanted || map.getZoom() < 16) return;
    const b = map.getBounds();
    const params = new URLSearchParams({ kind: wanted, bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(6)).join(",") });
    let data;
    try {
      data = await getJSON(`${section.dataset.assetsUrl}?${params}`);
    } catch {
      return;
    }
    for (const feature of data.features) {
      const [lon, lat] = feature.geometry.coordinates;
      L.circleMarker([lat, lon], { radius: 7, color: "#7a4b00", weight: 2, fillOpacity: 0.6 })
        .bindTooltip(feature.properties.name)
        .on("click", (event) => { L.DomEvent.stopPropagation(event); choose(feature); })
        .addTo(layer);
    }
  }

  map.on("moveend", showOnMap);
  let chosenKind = null;
  return {
    // The pin moved: moved by hand away from the chosen asset, it no longer names it.
    pinMoved(fromAsset = false) {
      if (fromAsset) chosenKind = kind();
      else if (input.value) clear.click();
      showList();
    },
    // Another category: an asset of a kind it cannot name is dropped.
    categoryChanged() {
      if (input.value && kind() !== chosenKind) clear.click();
      showList();
      showOnMap();
    },
  };
}
