// The search box over the report map: type a street, place or locality, pick it, and the map goes there
// (FixMyStreet starts from a street). Our server asks the geocoder, so the page only talks to its own site.
import { format, getJSON } from "./map-common.js";

export function placeSearch(map, onMoved) {
  const box = document.getElementById("place-search");
  if (!box) return;
  const words = box.dataset;
  const input = document.getElementById("place-query");
  const results = document.getElementById("place-results");
  const said = document.getElementById("place-search-status");
  let asked = 0;
  let timer = null;

  function close() {
    results.hidden = true;
    results.replaceChildren();
  }

  function go(place) {
    map.setView([place.lat, place.lon], place.zoom);
    input.value = place.name;
    close();
    onMoved(format(words.msgMoved, { place: place.name }));
    map.getContainer().focus({ preventScroll: true });
  }

  async function search(pick) {
    const query = input.value.trim();
    if (query.length < 2) {
      close();
      return;
    }
    const mine = ++asked;
    let data;
    try {
      data = await getJSON(`${words.url}?${new URLSearchParams({ q: query })}`);
    } catch {
      if (mine === asked) said.textContent = words.msgFailed;
      return;
    }
    if (mine !== asked) return;  // a later search has been asked
    const found = data.places || [];
    // Nothing found where streets cannot be searched: the areas and localities are offered instead.
    const noStreets = !found.length && data.streets === false;
    const places = noStreets ? data.areas || [] : found;
    results.replaceChildren();
    if (pick && found.length === 1) {  // Enter with one answer: go there at once
      go(found[0]);
      return;
    }
    if (noStreets) {
      const item = document.createElement("li");
      item.className = "place-none";
      item.textContent = words.msgNoStreets;
      results.append(item);
    }
    for (const place of places) {
      const item = document.createElement("li");
      const choice = document.createElement("button");
      choice.type = "button";
      choice.className = "place-choice";
      const name = document.createElement("span");
      name.className = "place-name";
      name.textContent = place.name;
      const detail = document.createElement("span");
      detail.className = "place-detail";
      detail.textContent = place.detail;
      choice.append(name, " ", detail);
      choice.addEventListener("click", () => go(place));
      item.append(choice);
      results.append(item);
    }
    if (!places.length) {
      const item = document.createElement("li");
      item.className = "place-none";
      item.textContent = words.msgNone;
      results.append(item);
    }
    results.hidden = false;
    said.textContent = noStreets ? words.msgNoStreets
      : places.length ? format(words.msgFound, { n: places.length }) : words.msgNone;
    if (pick && places.length) results.querySelector("button").focus();
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => search(false), 350);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {  // not the report form's "send"
      event.preventDefault();
      clearTimeout(timer);
      search(true);
    } else if (event.key === "Escape") {
      close();
    } else if (event.key === "ArrowDown" && !results.hidden) {
      event.preventDefault();
      results.querySelector("button")?.focus();
    }
  });
  results.addEventListener("keydown", (event) => {
    const choices = [...results.querySelectorAll("button")];
    const at = choices.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && at < choices.length - 1) {
      event.preventDefault();
      choices[at + 1].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      (at > 0 ? choices[at - 1] : input).focus();
    } else if (event.key === "Escape") {
      close();
      input.focus();
    }
  });
  document.getElementById("place-search-go").addEventListener("click", () => search(true));
  box.hidden = false;
}
