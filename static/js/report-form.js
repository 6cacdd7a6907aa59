// The report form: pin on the map, "use my position", safety questions, nearby duplicates, photo position.
import { L, format, getJSON, makeMap } from "./map-common.js";
import { keepMine, newKey, put, send } from "./offline-queue.js";
import { render as renderOutbox } from "./outbox.js";
import { shrinkAll } from "./photo-shrink.js";
import { clearProblems, problemsInPage, showProblems } from "./form-problems.js";
import { placeSearch } from "./place-search.js";
import { assetPicker } from "./asset-picker.js";

const form = document.getElementById("report-form");
const msg = form.dataset;
const latInput = document.getElementById("lat");
const lonInput = document.getElementById("lon");
const status = document.getElementById("location-status");
const csrf = form.querySelector("input[name=csrf_token]").value;
const mapElement = document.getElementById("report-map");
const map = makeMap(mapElement);
let marker = null;
const picker = assetPicker({ map, form, latInput, lonInput, setPin });

// On a campaign's page the map shows, and is limited to, the campaign's area.
const campaignArea = document.getElementById("campaign-area");
if (campaignArea) {
  const area = L.geoJSON(JSON.parse(campaignArea.dataset.area), { style: { color: "#7a4b00", weight: 3, fillOpacity: 0.05 }, interactive: false }).addTo(map);
  map.fitBounds(area.getBounds());
  map.setMaxBounds(area.getBounds().pad(0.5));
}

getJSON(mapElement.dataset.kommunUrl)
  .then((geojson) => L.geoJSON(geojson, { style: { color: "#0b4f8a", weight: 2, fill: false }, interactive: false }).addTo(map))
  .catch(() => {});

function setPin(lat, lon, message, fromAsset = false) {
  latInput.value = lat.toFixed(6);
  lonInput.value = lon.toFixed(6);
  if (!marker) {
    marker = L.marker([lat, lon], { draggable: true, keyboard: true, title: msg.msgPinned }).addTo(map);
    marker.on("dragend", () => {
      const p = marker.getLatLng();
      setPin(p.lat, p.lng, msg.msgPinned);
    });
  } else {
    marker.setLatLng([lat, lon]);
  }
  status.textContent = message;
  checkNearby();
  picker.pinMoved(fromAsset);
}

if (latInput.value && lonInput.value) {
  const lat = parseFloat(latInput.value);
  const lon = parseFloat(lonInput.value);
  if (Number.isFinite(lat) && Number.isFinite(lon)) {
    setPin(lat, lon, msg.msgPinned);
    map.setView([lat, lon], 17);
  }
}

map.on("click", (event) => setPin(event.latlng.lat, event.latlng.lng, msg.msgPinned));
placeSearch(map, (message) => { status.textContent = message; });

const positionButton = document.getElementById("use-position");
if ("geolocation" in navigator) {
  positionButton.hidden = false;
  positionButton.addEventListener("click", () => {
    status.textContent = msg.msgLocating;
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        setPin(pos.coords.latitude, pos.coords.longitude, msg.msgLocated);
        map.setView([pos.coords.latitude, pos.coords.longitude], 17);
      },
      () => { status.textContent = msg.msgGeoFailed; },
      { enableHighAccuracy: true, timeout: 15000 },
    );
  });
}

// The safety questions only apply to the four safety-walk kinds.
const safetyDetails = document.getElementById("safety-details");
function selectedCategory() {
  return form.querySelector("input[name=category]:checked");
}
function updateSafety() {
  const chosen = selectedCategory();
  safetyDetails.hidden = Boolean(chosen) && chosen.dataset.safety !== "1";
  // Each category's extra questions show only when that category is chosen.
  for (const group of form.querySelectorAll(".extra-questions")) {
    group.hidden = !chosen || group.dataset.category !== chosen.value;
  }
}
form.querySelectorAll("input[name=category]").forEach((input) => input.addEventListener("change", () => {
  updateSafety();
  checkNearby();
  picker.categoryChanged();
}));
updateSafety();

// "Already reported? Support it instead."
const nearby = document.getElementById("nearby");
const nearbyList = document.getElementById("nearby-list");
const nearbyTemplate = document.getElementById("nearby-item");

function support(url) {
  const post = document.createElement("form");
  post.method = "post";
  post.action = url;
  const token = document.createElement("input");
  token.type = "hidden";
  token.name = "csrf_token";
  token.value = csrf;
  post.append(token);
  document.body.append(post);
  post.submit();
}

async function checkNearby() {
  const chosen = selectedCategory();
  if (!chosen || !latInput.value) return;
  const params = new URLSearchParams({ lat: latInput.value, lon: lonInput.value, category: chosen.value });
  let data;
  try {
    data = await getJSON(`${form.dataset.nearbyUrl}?${params}`);
  } catch {
    return;
  }
  nearbyList.replaceChildren();
  for (const item of data.reports) {
    const li = nearbyTemplate.content.firstElementChild.cloneNode(true);
    const link = li.querySelector(".nearby-link");
    link.href = item.url;
    link.textContent = `${item.reference}: ${item.description || item.category_name}`;
    li.querySelector(".nearby-meta").textContent =
      `${format(msg.msgMeters, { m: item.distance_m })} · ${format(msg.msgSupporters, { n: item.support_count })}`;
    li.querySelector(".nearby-support").addEventListener("click", () => support(item.support_url));
    nearbyList.append(li);
  }
  nearby.hidden = data.reports.length === 0;
}

// A photo that knows where it was taken (inside the kommun): offer that position, whether or not a pin is
// placed already (the form asks for the place before the photo).
const photoInput = form.querySelector("input[type=file][name=photos]");
const photoPosition = document.getElementById("photo-position");

async function positionOf(file) {
  const body = new FormData();
  body.append("photo", file);
  try {
    const response = await fetch(form.dataset.photoPositionUrl, { method: "POST", body, headers: { "X-CSRFToken": csrf } });
    return response.ok ? (await response.json()).position : null;
  } catch {
    return null;
  }
}

photoInput.addEventListener("change", async () => {
  photoPosition.hidden = true;
  let outside = false;
  for (const file of [...photoInput.files]) {
    const position = await positionOf(file);
    if (!position) continue;
    if (!position.in_kommun) {
      outside = true;
      continue;
    }
    photoPosition.hidden = false;
    document.getElementById("use-photo-position").onclick = () => {
      setPin(position.lat, position.lon, msg.msgPinned);
      map.setView([position.lat, position.lon], 17);
      photoPosition.hidden = true;
    };
    return;
  }
  if (outside) status.textContent = msg.msgPhotoOutside;
});

// Checked in the browser before sending, with the server's own messages: every problem at once.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
function problemsBeforeSending() {
  const problems = [];
  const district = form.elements.namedItem("district");
  const place = form.elements.namedItem("location_text");
  const description = form.elements.namedItem("description");
  const email = form.elements.namedItem("email");
  const placeText = place ? place.value.trim() : "";
  if (!latInput.value && !(district && district.value && placeText)) {
    problems.push({ field: "location", message: msg.msgNeedPlace });
  }
  if (place && place.value.length > Number(msg.maxLocationText)) {
    problems.push({ field: "location_text", message: msg.msgPlaceLong });
  }
  if (!selectedCategory()) problems.push({ field: "category", message: msg.msgNeedCategory });
  if (description && description.value.length > Number(msg.maxDescription)) {
    problems.push({ field: "description", message: msg.msgDescriptionLong });
  }
  if (photoInput.files.length > Number(msg.maxPhotos)) problems.push({ field: "photos", message: msg.msgTooManyPhotos });
  if (email && email.value.trim() && !EMAIL.test(email.value.trim())) {
    problems.push({ field: "email", message: msg.msgEmail });
  }
  return problems;
}
// "Your photos are kept" only when photos were chosen.
const summaryWords = {
  title: msg.msgErrorTitle,
  get kept() { return photoInput.files.length ? msg.msgErrorKept : msg.msgErrorNothingSaved; },
};

// A refusal the server rendered when the page was sent without the script: focus its summary.
document.getElementById("error-summary")?.focus();

// Sending: photos shrunk on the phone first, then sent once, in the background. A refusal is shown in place
// (the chosen photos stay in the form); without a connection the report waits on the phone (IndexedDB) and is
// sent by itself later. The idempotency key makes every retry store the report once.
const keyInput = document.getElementById("idempotency_key");
if (!keyInput.value) keyInput.value = newKey();
const submitButton = form.querySelector("button[type=submit]");
let sending = false;

async function keepOnPhone(entry) {
  await put(entry);
  form.reset();
  keyInput.value = newKey();
  if (marker) {
    marker.remove();
    marker = null;
  }
  updateSafety();
  status.textContent = msg.msgQueued;
  await renderOutbox();
  document.getElementById("outbox").scrollIntoView({ block: "center" });
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (sending) return;
  const problems = problemsBeforeSending();
  if (problems.length) {
    showProblems(form, problems, summaryWords);
    return;
  }
  clearProblems(form);
  sending = true;
  submitButton.disabled = true;
  try {
    const files = await shrinkAll([...photoInput.files]);
    const chosen = selectedCategory();
    const entry = {
      key: keyInput.value, kind: "report", url: form.action,
      fields: [...new FormData(form)].filter(([, value]) => typeof value === "string"),
      files: files.map((file) => ["photos", file]),
      label: chosen ? chosen.closest("label")?.querySelector(".category-name")?.textContent.trim() || chosen.value : "",
      mine: Boolean(msg.myReports),  // a resident's own report: kept in "Mina rapporter" once sent
    };
    if (!navigator.onLine) {
      await keepOnPhone(entry);
      return;
    }
    const outcome = await send(entry);
    if (outcome.sent) {
      if (entry.mine) {
        await keepMine({ url: outcome.url, reference: outcome.reference, label: entry.label }).catch(() => {});
      }
      location.assign(outcome.url);
    } else if (outcome.waiting) {
      await keepOnPhone(entry);
    } else {
      // Refused: the server's messages, each at its field; nothing is sent again and the photos stay chosen.
      const found = outcome.page ? problemsInPage(outcome.page) : [];
      showProblems(form, found.length ? found : [{ field: "", message: format(msg.msgRefused, { reason: outcome.refused }) }],
                   summaryWords);
    }
  } finally {
    sending = false;
    submitButton.disabled = false;
  }
});
