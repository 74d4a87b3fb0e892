/**
 * Preload (`node --import <this file>`): records the URL of every module the process loads,
 * through `import` or `require`, and writes them one a line to `$COMFYCORD_LOADED_MODULES` at exit.
 * Synchronous hooks run in the process itself, so they see what tsx's loader hands on too.
 */
import { writeFileSync } from "node:fs";
import { registerHooks } from "node:module";

const out = process.env["COMFYCORD_LOADED_MODULES"];
if (out === undefined) throw new Error("COMFYCORD_LOADED_MODULES must name the file to write");
const loaded = new Set<string>();
registerHooks({
  load(url, context, nextLoad) {
    loaded.add(url);
    return nextLoad(url, context);
  },
});
process.on("exit", () => writeFileSync(out, [...loaded].join("\n")));
