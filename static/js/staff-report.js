// The staff report page: mark an area of a photo to cover, and fill public notes from templates.
for (const figure of document.querySelectorAll(".staff-photo")) {
  const area = figure.querySelector(".redact-area");
  const image = area.querySelector("img");
  const form = figure.querySelector(".redact-form");
  if (!form) continue;
  const box = document.createElement("div");
  box.className = "redact-box";
  box.hidden = true;
  area.append(box);
  let start = null;
  const point = (event) => {
    const rect = image.getBoundingClientRect();
    return {
      x: Math.min(Math.max((event.clientX - rect.left) / rect.width, 0), 1),
      y: Math.min(Math.max((event.clientY - rect.top) / rect.height, 0), 1),
    };
  };
  image.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    start = point(event);
    figure.querySelector("details").open = true;
  });
  window.addEventListener("pointerup", () => { start = null; });
  image.addEventListener("pointermove", (event) => {
    if (!start) return;
    const now = point(event);
    const x = Math.min(start.x, now.x), y = Math.min(start.y, now.y);
    const w = Math.abs(now.x - start.x), h = Math.abs(now.y - start.y);
    Object.assign(box.style, { left: `${x * 100}%`, top: `${y * 100}%`, width: `${w * 100}%`, height: `${h * 100}%` });
    box.hidden = false;
    form.x.value = x.toFixed(3); form.y.value = y.toFixed(3);
    form.w.value = Math.max(w, 0.001).toFixed(3); form.h.value = Math.max(h, 0.001).toFixed(3);
  });
}

// Response templates fill in the public note.
for (const picker of document.querySelectorAll(".template-picker")) {
  picker.addEventListener("change", () => {
    const target = picker.form.querySelector(`[name=${picker.dataset.target}]`);
    if (picker.value && target) target.value = picker.value;
  });
}

// Closing a report (fixed, closed, referred) needs "Yes, close the report" ticked – the server refuses it
// otherwise. The box is shown only while the chosen status closes the report.
const statusForm = document.getElementById("status-form");
if (statusForm) {
  const closing = (statusForm.dataset.closing || "").split(" ").filter(Boolean);
  const select = statusForm.querySelector("select[name=status]");
  const confirm = statusForm.querySelector(".confirm-close");
  const sync = () => {
    const closes = closing.includes(select.value);
    confirm.hidden = !closes;
    if (!closes) confirm.querySelector("input").checked = false;
  };
  select.addEventListener("change", sync);
  sync();
}
