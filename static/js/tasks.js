// "Nearest first": ask the phone for its position and pass it to the server.
const link = document.getElementById("order-distance");
if (link && "geolocation" in navigator) {
  link.addEventListener("click", (event) => {
    event.preventDefault();
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        const url = new URL(link.href, window.location.href);
        url.searchParams.set("lat", pos.coords.latitude.toFixed(6));
        url.searchParams.set("lon", pos.coords.longitude.toFixed(6));
        window.location.href = url.toString();
      },
      () => { window.location.href = link.href; },
      { timeout: 10000 },
    );
  });
}
