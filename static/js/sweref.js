// SWEREF 99 TM (EPSG:3006) easting/northing in metres to WGS84 [lat, lon] in degrees, by Lantmäteriet's
// Gauss–Krüger formulas (GRS 80, central meridian 15°, scale 0.9996, false easting 500 000 m): exact to well
// under a millimetre, so that the heat map can draw its squares from the server's cell numbers.
const a = 6378137;
const f = 1 / 298.257222101;
const e2 = f * (2 - f);
const n = f / (2 - f);
const aRoof = (a / (1 + n)) * (1 + (n * n) / 4 + (n ** 4) / 64);
const k0a = 0.9996 * aRoof;
const delta = [
  n / 2 - (2 * n * n) / 3 + (37 * n ** 3) / 96 - (n ** 4) / 360,
  (n * n) / 48 + (n ** 3) / 15 - (437 * n ** 4) / 1440,
  (17 * n ** 3) / 480 - (37 * n ** 4) / 840,
  (4397 * n ** 4) / 161280,
];
const A = e2 + e2 ** 2 + e2 ** 3 + e2 ** 4;
const B = -(7 * e2 ** 2 + 17 * e2 ** 3 + 30 * e2 ** 4) / 6;
const C = (224 * e2 ** 3 + 889 * e2 ** 4) / 120;
const D = -(4279 * e2 ** 4) / 1260;
const lon0 = (15 * Math.PI) / 180;

export function toWgs84(easting, northing) {
  const xi = northing / k0a;
  const eta = (easting - 500000) / k0a;
  let xiP = xi;
  let etaP = eta;
  for (let j = 1; j <= 4; j += 1) {
    xiP -= delta[j - 1] * Math.sin(2 * j * xi) * Math.cosh(2 * j * eta);
    etaP -= delta[j - 1] * Math.cos(2 * j * xi) * Math.sinh(2 * j * eta);
  }
  const phiStar = Math.asin(Math.sin(xiP) / Math.cosh(etaP));
  const lambda = Math.atan(Math.sinh(etaP) / Math.cos(xiP));
  const s2 = Math.sin(phiStar) ** 2;
  const phi = phiStar + Math.sin(phiStar) * Math.cos(phiStar) * (A + B * s2 + C * s2 * s2 + D * s2 ** 3);
  return [(phi * 180) / Math.PI, ((lon0 + lambda) * 180) / Math.PI];
}
