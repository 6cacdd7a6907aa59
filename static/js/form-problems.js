// Every problem of a form at once (GOV.UK's error summary): a titled box at the top with one link per problem to
// its field, focus moved to the box, and the message at each field, tied to it with aria-describedby. The same
// markup the server renders, so a refusal looks the same whether the browser or the server found it.
// A problem is {field, message}: field is a form field's name, or "location" for the place on the map.

function fieldElement(form, field) {
  if (field === "location") return document.getElementById("report-map");
  const named = form.elements.namedItem(field);
  if (!named) return null;
  return named instanceof RadioNodeList || named instanceof HTMLCollection ? named[0] : named;
}

function describe(element, id, add) {
  const ids = (element.getAttribute("aria-describedby") || "").split(/\s+/).filter((x) => x && x !== id);
  if (add) ids.push(id);
  if (ids.length) element.setAttribute("aria-describedby", ids.join(" "));
  else element.removeAttribute("aria-describedby");
}

export function clearProblems(form) {
  document.getElementById("error-summary")?.remove();
  for (const list of form.querySelectorAll(".field-errors")) {
    for (const described of form.querySelectorAll(`[aria-describedby~="${list.id}"]`)) describe(described, list.id, false);
    list.remove();
  }
  form.querySelectorAll(".has-error").forEach((element) => element.classList.remove("has-error"));
  form.querySelectorAll("[aria-invalid=true]").forEach((element) => element.setAttribute("aria-invalid", "false"));
}

function showAtField(form, problem) {
  const element = fieldElement(form, problem.field);
  if (!element) return;
  const id = `${problem.field === "location" ? "location" : element.name || problem.field}-error`;
  let list = document.getElementById(id);
  if (!list) {
    list = document.createElement("ul");
    list.className = "field-errors";
    list.id = id;
    if (problem.field === "location") {
      document.getElementById("location-status").after(list);
    } else {
      const group = element.type === "radio" ? element.closest("fieldset") : element.closest(".field");
      (group || element.parentElement).append(list);
      group?.classList.add("has-error");
      const target = element.type === "radio" ? group : element;
      if (target) describe(target, id, true);
      if (element.type !== "radio") element.setAttribute("aria-invalid", "true");
    }
  }
  const item = document.createElement("li");
  item.textContent = problem.message;
  list.append(item);
}

export function showProblems(form, problems, words) {
  clearProblems(form);
  const box = document.createElement("div");
  box.className = "error-summary";
  box.id = "error-summary";
  box.tabIndex = -1;
  box.setAttribute("role", "alert");
  box.setAttribute("aria-labelledby", "error-summary-title");
  const title = document.createElement("h2");
  title.id = "error-summary-title";
  title.textContent = words.title;
  const kept = document.createElement("p");
  kept.textContent = words.kept;
  const list = document.createElement("ul");
  list.className = "error-summary-list";
  for (const problem of problems) {
    const item = document.createElement("li");
    const element = fieldElement(form, problem.field);
    if (element) {
      const link = document.createElement("a");
      link.href = `#${element.id}`;
      link.textContent = problem.message;
      link.addEventListener("click", (event) => {  // to the field itself, its question in view
        event.preventDefault();
        element.focus();
        (element.closest("fieldset, .field, .map-frame") || element).scrollIntoView({ block: "start" });
      });
      item.append(link);
    } else {
      item.textContent = problem.message;
    }
    list.append(item);
    showAtField(form, problem);
  }
  box.append(title, kept, list);
  (document.getElementById("outbox") || form).before(box);
  box.focus();
}

// The problems in a page the server answered with (its refusal), read from each field's message.
export function problemsInPage(page) {
  const problems = [];
  for (const list of page.querySelectorAll("ul.field-errors[id]")) {
    const field = list.id.replace(/-error$/, "");
    for (const item of list.querySelectorAll("li")) problems.push({ field, message: item.textContent.trim() });
  }
  if (!problems.length) {  // a problem not about one field (the summary lists it without a link)
    for (const item of page.querySelectorAll(".error-summary li, .flash-error")) {
      problems.push({ field: "", message: item.textContent.trim() });
    }
  }
  return problems;
}
