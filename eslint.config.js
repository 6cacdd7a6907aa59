// ESLint for the page scripts (static/js, ES modules loaded by the browser), the service worker
// (templates/sw.js, a Jinja template, linted with its {{ }} parts filled in) and the tests in tests/js (node).
import js from "@eslint/js";
import globals from "globals";

// What webapp/reports/offline.py passes to templates/sw.js, as dummy values of the same JavaScript type. A part
// not listed here (or a {% %} tag) fails the lint, so that a new one gets a value here and is checked too.
const SW_VALUES = { version: "lint", "precache|safe": '["/", "/static/css/app.css"]', offline_url: "/offline" };
const jinja = {
  preprocess(text) {
    const unknown = [];
    const filled = text.replace(/\{\{\s*(.*?)\s*\}\}|\{%.*?%\}/g, (part, name) => {
      if (name !== undefined && name in SW_VALUES) return SW_VALUES[name];
      unknown.push(part);
      return part;
    });
    if (unknown.length) throw new Error(`templates/sw.js: no lint value for ${unknown.join(", ")} (eslint.config.js)`);
    return [{ text: filled, filename: "sw.js" }];
  },
  postprocess: (messages) => messages.flat(),
  supportsAutofix: false,
};

// Rules that catch real mistakes, on top of ESLint's recommended set.
const mistakes = {
  "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none" }],
  "no-undef": "error",
  eqeqeq: ["error", "always"],
  "prefer-const": "error",
  "no-implicit-globals": "error",
  "no-template-curly-in-string": "error",
  "no-self-compare": "error",
  "array-callback-return": "error",
  "no-unmodified-loop-condition": "error",
  "no-unreachable-loop": "error",
};

// Window properties that a forgotten declaration silently turns into (`status`, `name` …): a page script
// names them through window. or document. on purpose.
const confusingBrowserGlobals = ["addEventListener", "blur", "close", "closed", "event", "find", "focus",
  "length", "name", "open", "opener", "origin", "parent", "print", "removeEventListener", "scroll",
  "self", "status", "stop", "top"].map((name) => ({ name, message: `Use window.${name} (or declare ${name}).` }));

export default [
  js.configs.recommended,
  {
    files: ["static/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      // Leaflet and its plug-ins are classic scripts (static/vendor) that set the global L.
      globals: { ...globals.browser, L: "readonly" },
    },
    rules: { ...mistakes, "no-restricted-globals": ["error", ...confusingBrowserGlobals] },
  },
  { files: ["templates/sw.js"], processor: jinja },
  {
    // A service worker is a classic script with a global scope of its own: its top-level functions are its own.
    files: ["templates/sw.js/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "script", globals: globals.serviceworker },
    rules: { ...mistakes, "no-implicit-globals": "off" },
  },
  {
    files: ["tests/js/**/*.js", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.node },
    rules: mistakes,
  },
];
