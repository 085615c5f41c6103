// Copies the browser assets installed by `npm ci` (package-lock.json) into platform/web/static/web/vendor/, which
// Django serves (and collectstatic collects) like any app static file. The folder is git-ignored; a stamp file with
// the hash of package-lock.json and this script tells scripts/_common.sh when the copy is stale.
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "platform", "web", "static", "web", "vendor");

// [source inside node_modules, file name in vendor/]
const ASSETS = [
  ["echarts/dist/echarts.min.js", "echarts.min.js"],
  ["echarts/LICENSE", "echarts.LICENSE.txt"],
];

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const [source, target] of ASSETS) {
  copyFileSync(join(root, "node_modules", source), join(out, target));
}
const stamp = createHash("sha256");
stamp.update(readFileSync(join(root, "package-lock.json")));
stamp.update(readFileSync(fileURLToPath(import.meta.url)));
writeFileSync(join(out, ".stamp"), stamp.digest("hex") + "\n");
console.log(`[unionhub] web assets copied to ${out}`);
