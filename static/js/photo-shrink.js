// Photos are shrunk on the phone before they are sent (to about 2000 px on the long side, JPEG), so that a
// report goes through on a slow connection. The server still runs its own pipeline on what arrives.
export const MAX_SIDE = 2000;

export async function shrink(file, maxSide = MAX_SIDE, quality = 0.85) {
  if (!file || !file.type || !file.type.startsWith("image/") || !("createImageBitmap" in window)) return file;
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    return file;  // a format the browser cannot draw (HEIC…): the server handles it
  }
  const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
  if (scale === 1 && file.size < 1.5 * 1024 * 1024) {
    bitmap.close();
    return file;
  }
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
  if (!blob || blob.size >= file.size) return file;
  const name = file.name.replace(/\.[^.]+$/, "") + ".jpg";
  return new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified });
}

export async function shrinkAll(files) {
  const out = [];
  for (const file of files) out.push(await shrink(file));
  return out;
}
