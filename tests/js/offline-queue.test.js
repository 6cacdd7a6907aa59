// The queue a report or a crew's "done" waits in on the phone (static/js/offline-queue.js): what is kept, in which
// order it goes, and what each answer of the server means for it. A mistake here loses a resident's report.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, mock, test } from "node:test";
import { html, json, openPage, startServer, until } from "./browser.js";

const queue = await import("../../static/js/offline-queue.js");
let server;

before(async () => { server = await startServer(); });
after(() => server.close());
beforeEach(() => {
  server.reset();
  openPage(server, "/");
});

const photo = () => new File([new Uint8Array(2048).fill(7)], "gatan.jpg", { type: "image/jpeg" });

function report(key, extra = {}) {
  return {
    key, kind: "report", url: "/", label: "Nedskräpning",
    fields: [["csrf_token", "stale-token"], ["category", "littered"], ["description", "Skräp vid busshållplatsen"],
             ["idempotency_key", key]],
    files: [["photos", photo()]],
    ...extra,
  };
}

// The app's answer to a report it took (asked for JSON): where the receipt is, and the reference.
const taken = (token, reference) => () => json({ location: `/t/${token}`, reference });

describe("what is kept on the phone", () => {
  test("a report is kept with its fields and photo until it is removed", async () => {
    await queue.put(report("k1"));
    const [kept] = await queue.all();
    assert.equal(kept.key, "k1");
    assert.deepEqual(kept.fields[2], ["description", "Skräp vid busshållplatsen"]);
    assert.equal(kept.files[0][1].name, "gatan.jpg");
    assert.equal(kept.files[0][1].size, 2048);
    assert.equal(typeof kept.queuedAt, "number");
    await queue.remove("k1");
    assert.deepEqual(await queue.all(), []);
  });

  test("the same report kept twice (the same key) is one report", async () => {
    await queue.put(report("k1"));
    await queue.put(report("k1", { label: "Belysning" }));
    const kept = await queue.all();
    assert.equal(kept.length, 1);
    assert.equal(kept[0].label, "Belysning");
  });

  test("Mina rapporter keeps what was sent until it is forgotten", async () => {
    await queue.keepMine({ url: "/t/abc", reference: "LK-1", label: "Nedskräpning" });
    const [mine] = await queue.allMine();
    assert.equal(mine.reference, "LK-1");
    assert.equal(typeof mine.sentAt, "number");
    await queue.forgetMine("/t/abc");
    assert.deepEqual(await queue.allMine(), []);
  });

  test("each report gets a key of its own", () => {
    const keys = new Set(Array.from({ length: 50 }, () => queue.newKey()));
    assert.equal(keys.size, 50);
  });
});

describe("send: what the server's answer means", () => {
  test("taken: the form goes with a fresh token, the photo and the key, and the receipt comes back", async () => {
    server.on("POST /", taken("abc", "LK-2026-0001"));
    const outcome = await queue.send(report("k1"));
    assert.deepEqual(outcome, { sent: true, url: "/t/abc", reference: "LK-2026-0001" });
    const [post] = server.posts();
    assert.equal(post.headers.accept, "application/json");
    assert.deepEqual(post.form.getAll("csrf_token"), ["token-1"]);  // the stale one is not sent
    assert.equal(post.form.get("description"), "Skräp vid busshållplatsen");
    assert.equal(post.form.get("idempotency_key"), "k1");
    const sent = post.form.get("photos");
    assert.equal(sent.name, "gatan.jpg");
    assert.equal(sent.type, "image/jpeg");
    assert.equal(sent.size, 2048);
  });

  test("taken, answered with a redirect: sent, to where the server pointed", async () => {
    server.on("POST /", () => ({ status: 303, headers: { Location: "/t/abc" } }));
    server.on("GET /t/abc", () => html("<h1>Tack</h1>"));
    const outcome = await queue.send(report("k1"));
    assert.equal(outcome.sent, true);
    assert.equal(new URL(outcome.url).pathname, "/t/abc");
  });

  test("refused: the server's message at the field is the reason, and the page comes along", async () => {
    server.on("POST /", () => html(`<main><div class="field"><ul class="field-errors"><li>
      The place is outside the municipality.</li></ul></div></main>`, 400));
    const outcome = await queue.send(report("k1"));
    assert.equal(outcome.refused, "The place is outside the municipality.");
    assert.equal(outcome.page.querySelector("main .field-errors li").textContent.trim(),
                 "The place is outside the municipality.");
  });

  test("refused with no message on the page: the status is the reason", async () => {
    server.on("POST /", () => ({ status: 413, body: "Request Entity Too Large" }));
    const outcome = await queue.send(report("k1"));
    assert.equal(outcome.refused, "413");
  });

  for (const status of [429, 500, 502, 503]) {
    test(`a busy or broken server (${status}): waits, to be sent again`, async () => {
      server.on("POST /", () => html("<h1>Try later</h1>", status));
      assert.deepEqual(await queue.send(report("k1")), { waiting: true });
    });
  }

  test("no token (the server cannot be reached for it): waits, and nothing is posted", async () => {
    server.on("GET /csrf-token", () => ({ status: 503 }));
    assert.deepEqual(await queue.send(report("k1")), { waiting: true });
    assert.equal(server.posts().length, 0);
  });

  test("no connection at all: waits", async () => {
    const gone = await startServer();
    await gone.close();
    openPage(gone, "/");
    assert.deepEqual(await queue.send(report("k1")), { waiting: true });
  });

  test("an answer that is not the JSON it claims: waits", async () => {
    server.on("POST /", () => ({ status: 200, headers: { "Content-Type": "application/json" }, body: "{ half" }));
    assert.deepEqual(await queue.send(report("k1")), { waiting: true });
  });

  test("a crew member logged out meanwhile (sent to the login page): waits, it is not counted as done", async () => {
    server.on("POST /staff/tasks/5/complete", () => ({ status: 302,
      headers: { Location: "/staff/login?next=%2Fstaff%2Ftasks%2F5%2Fcomplete" } }));
    server.on("GET /staff/login", () => html("<h1>Logga in</h1>"));
    const done = { key: "d1", kind: "completion", url: "/staff/tasks/5/complete", label: "Töm papperskorgen",
                   fields: [["note", "Tömd"]], files: [["photo", photo()]] };
    assert.deepEqual(await queue.send(done), { waiting: true });
  });
});

describe("flush: everything waiting goes, one at a time, in the order it was made", () => {
  // Reports made a second apart on the phone; their keys sort the other way round.
  async function queueThree() {
    mock.timers.enable({ apis: ["Date"], now: Date.parse("2026-12-07T08:00:00Z") });
    try {
      for (const key of ["c", "b", "a"]) {
        await queue.put(report(key, { label: `report ${key}` }));
        mock.timers.tick(1000);
      }
    } finally {
      mock.timers.reset();
    }
  }

  test("all taken: sent in the order made, each told once, none left", async () => {
    await queueThree();
    server.on("POST /", (r) => json({ location: `/t/${r.form.get("idempotency_key")}`, reference: "" }));
    const told = [];
    await queue.flush(async (entry, outcome) => { told.push([entry.key, outcome.url]); });
    assert.deepEqual(server.posts().map((r) => r.form.get("idempotency_key")), ["c", "b", "a"]);
    assert.deepEqual(told, [["c", "/t/c"], ["b", "/t/b"], ["a", "/t/a"]]);
    assert.deepEqual(await queue.all(), []);
  });

  test("a busy server stops the round: what went stays sent, the rest waits in order for the next", async () => {
    await queueThree();
    let busy = false;
    server.on("POST /", (r) => {
      if (r.form.get("idempotency_key") === "b" && !busy) {
        busy = true;
        return html("busy", 503);
      }
      return json({ location: `/t/${r.form.get("idempotency_key")}` });
    });
    const told = [];
    await queue.flush(async (entry) => { told.push(entry.key); });
    assert.deepEqual(told, ["c"]);
    assert.deepEqual((await queue.all()).map((e) => e.key).sort(), ["a", "b"]);
    await queue.flush(async (entry) => { told.push(entry.key); });
    assert.deepEqual(told, ["c", "b", "a"]);
    assert.deepEqual(server.posts().map((r) => r.form.get("idempotency_key")), ["c", "b", "b", "a"]);
    assert.deepEqual(await queue.all(), []);
  });

  test("a refusal is told and taken off the queue; the reports behind it still go", async () => {
    await queueThree();
    server.on("POST /", (r) => (r.form.get("idempotency_key") === "c"
      ? html('<ul class="field-errors"><li>Choose a category.</li></ul>', 400)
      : json({ location: `/t/${r.form.get("idempotency_key")}` })));
    const told = [];
    await queue.flush(async (entry, outcome) => { told.push([entry.key, outcome.refused || outcome.url]); });
    assert.deepEqual(told, [["c", "Choose a category."], ["b", "/t/b"], ["a", "/t/a"]]);
    assert.deepEqual(await queue.all(), []);
  });

  test("a lost answer: sent again with the same key, so the server stores it once", async () => {
    await queue.put(report("k1"));
    const stored = new Map();  // the server's side: key -> receipt
    server.on("POST /", (r) => {
      const key = r.form.get("idempotency_key");
      const first = !stored.has(key);
      if (first) stored.set(key, `/t/${stored.size + 1}`);
      return first ? { dropConnection: true } : json({ location: stored.get(key) });
    });
    const told = [];
    await queue.flush(async (entry, outcome) => { told.push(outcome.url); });
    assert.deepEqual(told, []);  // the answer never came: still waiting on the phone
    assert.equal((await queue.all()).length, 1);
    await queue.flush(async (entry, outcome) => { told.push(outcome.url); });
    assert.deepEqual(told, ["/t/1"]);
    assert.equal(stored.size, 1);
    assert.deepEqual(server.posts().map((r) => r.form.get("idempotency_key")), ["k1", "k1"]);
    assert.deepEqual(await queue.all(), []);
  });

  test("offline: nothing is tried, everything stays", async () => {
    await queue.put(report("k1"));
    globalThis.navigator.onLine = false;
    await queue.flush(async () => assert.fail("nothing is sent offline"));
    assert.equal(server.requests.length, 0);
    assert.equal((await queue.all()).length, 1);
  });

  test("two rounds at once (the online event and the 20-second poll): each report is posted once", async () => {
    await queueThree();
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    server.on("POST /", async (r) => {
      await held;
      return json({ location: `/t/${r.form.get("idempotency_key")}` });
    });
    const told = [];
    const first = queue.flush(async (entry) => { told.push(entry.key); });
    await until(() => server.posts().length === 1, "the first post");
    await queue.flush(async (entry) => { told.push(`second round: ${entry.key}`); });
    release();
    await first;
    assert.deepEqual(told, ["c", "b", "a"]);
    assert.equal(server.posts().length, 3);
  });

  test("a crew member's session ended: the done job stays on the phone until they log in again", async () => {
    const done = { key: "d1", kind: "completion", url: "/staff/tasks/5/complete", label: "Töm papperskorgen",
                   fields: [["note", "Tömd"]], files: [] };
    await queue.put(done);
    let loggedIn = false;
    server.on("POST /staff/tasks/5/complete", () => (loggedIn
      ? json({ location: "/staff/tasks" })
      : { status: 302, headers: { Location: "/staff/login?next=%2Fstaff%2Ftasks%2F5%2Fcomplete" } }));
    server.on("GET /staff/login", () => html("<h1>Logga in</h1>"));
    const told = [];
    await queue.flush(async (entry, outcome) => { told.push(outcome); });
    assert.deepEqual(told, []);
    assert.deepEqual((await queue.all()).map((e) => e.key), ["d1"]);
    loggedIn = true;
    await queue.flush(async (entry, outcome) => { told.push(outcome); });
    assert.deepEqual(told, [{ sent: true, url: "/staff/tasks", reference: "" }]);
    assert.deepEqual(await queue.all(), []);
  });
});
