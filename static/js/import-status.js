// The import's progress, renewed every two seconds while it runs (instead of reloading the page, which would
// move focus and interrupt screen readers); the status line is a live region.
const box = document.getElementById("import-run");

async function renew() {
  let page;
  try {
    const response = await fetch(location.href, { credentials: "same-origin", cache: "no-store" });
    page = new DOMParser().parseFromString(await response.text(), "text/html");
  } catch {
    setTimeout(renew, 4000);
    return;
  }
  const fresh = page.getElementById("import-run");
  if (!fresh) return;
  const status = box.querySelector(".import-status");
  const freshStatus = fresh.querySelector(".import-status");
  box.querySelector("progress")?.replaceWith(fresh.querySelector("progress"));
  if (status.textContent !== freshStatus.textContent) status.textContent = freshStatus.textContent;
  status.dataset.status = freshStatus.dataset.status;
  if (fresh.hasAttribute("data-busy")) {
    setTimeout(renew, 2000);
  } else {  // done: the errors and the links to go on with
    [...box.children].filter((node) => node !== status).forEach((node) => node.remove());
    [...fresh.children].filter((node) => !node.classList.contains("import-status")).forEach((node) => box.append(node));
  }
}

if (box && box.hasAttribute("data-busy")) {
  box.querySelector(".no-script-hint")?.remove();
  setTimeout(renew, 2000);
}
