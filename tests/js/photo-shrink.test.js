// Which photos the phone shrinks before sending (static/js/photo-shrink.js), to what size and under what name.
// Node has no image decoder or canvas: the browser's createImageBitmap and canvas.toBlob are stood in for by
// pictures of a given size and an encoder that returns a JPEG of a given length. The real decoding and encoding
// run in Chromium in tests/test_browser.py (a 3000 x 2000 photo sent through the report form and a crew's "done").
import assert from "node:assert/strict";
import { before, beforeEach, test } from "node:test";
import { openPage } from "./browser.js";

const { shrink, shrinkAll, MAX_SIDE } = await import("../../static/js/photo-shrink.js");
const MB = 1024 * 1024;
let drawn;
let encodedSize;
let decodedWith;

before(() => {
  const page = openPage({ origin: "http://127.0.0.1" }, "/");
  const { window } = page;
  // A "photo" is a file whose first line says its size: "4000x3000".
  const decode = async (file, options) => {
    decodedWith = options;
    const [width, height] = (await file.slice(0, 32).text()).split("\n")[0].split("x").map(Number);
    if (!width) throw new DOMException("The source image could not be decoded.", "InvalidStateError");
    return { width, height, closed: false, close() { this.closed = true; } };
  };
  window.createImageBitmap = globalThis.createImageBitmap = decode;
  window.HTMLCanvasElement.prototype.getContext = function () {
    return { drawImage: (bitmap, x, y, width, height) => { drawn = { bitmap, width, height, canvas: [this.width, this.height] }; } };
  };
  window.HTMLCanvasElement.prototype.toBlob = (done, type) => {
    setImmediate(() => done(new Blob([new Uint8Array(encodedSize)], { type })));
  };
});
beforeEach(() => {
  drawn = null;
  encodedSize = 300 * 1024;
});

const photo = (width, height, size, name = "IMG_0042.png", type = "image/png") => {
  const head = new TextEncoder().encode(`${width}x${height}\n`);
  const bytes = new Uint8Array(size);
  bytes.set(head);
  return new File([bytes], name, { type, lastModified: 1765000000000 });
};

test("a large photo becomes a JPEG of 2000 px on the long side, same name, same date", async () => {
  const original = photo(4000, 3000, 6 * MB, "IMG_0042.png");
  const sent = await shrink(original);
  assert.equal(MAX_SIDE, 2000);
  assert.deepEqual(drawn.canvas, [2000, 1500]);
  assert.deepEqual([drawn.width, drawn.height], [2000, 1500]);
  assert.equal(drawn.bitmap.closed, true);
  assert.equal(decodedWith.imageOrientation, "from-image");  // a phone photo taken sideways is drawn upright
  assert.equal(sent.name, "IMG_0042.jpg");
  assert.equal(sent.type, "image/jpeg");
  assert.equal(sent.size, 300 * 1024);
  assert.equal(sent.lastModified, original.lastModified);
});

test("an upright photo keeps its shape", async () => {
  await shrink(photo(1000, 3000, 2 * MB));
  assert.deepEqual(drawn.canvas, [667, 2000]);
});

test("a photo small in size and in pixels is sent as it is", async () => {
  const original = photo(1600, 1200, MB);
  assert.equal(await shrink(original), original);
  assert.equal(drawn, null);
});

test("a small picture that is a large file is re-encoded at its own size", async () => {
  const sent = await shrink(photo(1600, 1200, 4 * MB, "scan.png"));
  assert.deepEqual(drawn.canvas, [1600, 1200]);
  assert.equal(sent.name, "scan.jpg");
});

test("when the JPEG would be no smaller, the original goes", async () => {
  const original = photo(4000, 3000, 200 * 1024, "already-small.jpg", "image/jpeg");
  encodedSize = 250 * 1024;
  assert.equal(await shrink(original), original);
});

test("what the phone cannot draw (HEIC), or what is not a picture, is sent as it is for the server to handle", async () => {
  const heic = new File(["ftypheic"], "IMG_0001.HEIC", { type: "image/heic" });
  assert.equal(await shrink(heic), heic);
  const pdf = new File(["%PDF-1.7"], "karta.pdf", { type: "application/pdf" });
  assert.equal(await shrink(pdf), pdf);
  const untyped = new File(["4000x3000\n"], "noname", { type: "" });
  assert.equal(await shrink(untyped), untyped);
  assert.equal(await shrink(null), null);
  assert.equal(drawn, null);
});

test("several photos are shrunk one by one and keep their order", async () => {
  const sent = await shrinkAll([photo(4000, 3000, 5 * MB, "a.png"), photo(800, 600, 100 * 1024, "b.png")]);
  assert.deepEqual(sent.map((file) => file.name), ["a.jpg", "b.png"]);
});
