/**
 * `npm start` and `npm test` run this first (npm's `prestart` and `pretest`): on a Node older than
 * `engines.node`, the next step fails with an error that does not say why (`scripts/build.ts`
 * needs type stripping, undici 8 does not load on Node 20). This says which Node is needed and how
 * to get it, in one line, and exits 1.
 *
 * Plain JavaScript with no imports beyond Node's own, so any Node can run it.
 */
import { readFileSync } from "node:fs";

const packageJson = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const floor = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(packageJson.engines.node);
if (!floor) throw new Error(`package.json engines.node is not ">=x.y.z": ${packageJson.engines.node}`);
const need = floor.slice(1, 4).map(Number);
const have = process.versions.node.split(".").map(Number);

/** True when version `a` is older than version `b` (major, minor, patch). */
function older(a, b) {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}

if (older(have, need)) {
  process.stderr.write(
    `comfycord needs Node ${need.join(".")} or newer (Node 24 LTS recommended); this is Node ` +
      `${process.versions.node}. Install Node 24, or run the same command through ` +
      `scripts/use-node.sh (e.g. "scripts/use-node.sh npm start"), which takes Node 24 from the npm registry.\n`,
  );
  process.exit(1);
}
