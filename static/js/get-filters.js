// Filter forms sent with GET (marked data-drop-empty): leave out the fields nobody filled in, so that the address
// holds only what was chosen (not "district=&zone=&text="), and a view saved from it stays short. Without
// JavaScript the form works as it is: the server reads an empty field as "not chosen".
for (const form of document.querySelectorAll("form[method=get][data-drop-empty]")) {
  form.addEventListener("submit", (event) => {
    const chosen = new URLSearchParams();
    for (const [name, value] of new FormData(form, event.submitter)) {
      if (typeof value === "string" && value.trim() !== "") chosen.append(name, value);
    }
    event.preventDefault();
    const target = new URL(form.getAttribute("action") || window.location.pathname, window.location.href);
    target.search = chosen.toString();
    window.location.assign(target.href);
  });
}
