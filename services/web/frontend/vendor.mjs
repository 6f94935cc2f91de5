// Copies the app's run-time packages into ../static/vendor, so the platform serves them without Node.
// Run after changing a version in package.json: `npm install && npm run vendor`, then commit both.
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";

const target = new URL("../static/vendor/", import.meta.url);
mkdirSync(target, { recursive: true });
const idb = JSON.parse(readFileSync(new URL("node_modules/idb/package.json", import.meta.url)));
copyFileSync(new URL("node_modules/idb/build/index.js", import.meta.url), new URL("idb.js", target));
copyFileSync(new URL("node_modules/idb/LICENSE", import.meta.url), new URL("idb.LICENSE", target));
console.log(`vendored idb ${idb.version}`);
