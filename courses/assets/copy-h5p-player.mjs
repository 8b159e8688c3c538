// Copy h5p-standalone's player (scripts, styles, fonts, images) from node_modules
// into courses/static/courses/build/h5p/ as part of `npm run build` (not committed).
// frame.bundle.js gets h5p-storage-shim.js prepended (see that file).
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "..", "..", "node_modules", "h5p-standalone", "dist");
const target = join(here, "..", "static", "courses", "build", "h5p");

rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
for (const entry of ["main.bundle.js", "styles", "fonts", "images"]) {
  cpSync(join(source, entry), join(target, entry), { recursive: true });
}
const shim = readFileSync(join(here, "h5p-storage-shim.js"), "utf8");
const frame = readFileSync(join(source, "frame.bundle.js"), "utf8");
writeFileSync(join(target, "frame.bundle.js"), `${shim}\n${frame}`);
